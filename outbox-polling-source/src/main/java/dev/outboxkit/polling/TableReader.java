package dev.outboxkit.polling;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import dev.outboxkit.polling.db.Cursor;
import dev.outboxkit.polling.db.Dialect;
import dev.outboxkit.polling.db.Horizon;
import dev.outboxkit.polling.db.RowConverter;
import dev.outboxkit.polling.db.TableName;

/**
 * One outbox table as one task reads it: the cursor of the last row handed to the worker, the next batch as flat
 * row records (each carrying its own cursor as source offset), and cleanup behind a committed cursor.
 */
final class TableReader {

    /** Reads of one table in one poll at most: one, and another after each proof the horizon completes. */
    private static final int MAX_READS_PER_POLL = 3;

    private final TableName table;
    private final Dialect dialect;
    private final PollingConfig config;
    private final Map<String, Object> partition;
    private final String topic;
    private final RowConverter converter;
    private final Horizon horizon;
    /** Written by the task's thread, read by {@link Housekeeping}'s for the age metric. */
    private volatile Cursor cursor;
    /** Rows at or before this cursor were deleted (or never existed) in this task's life. */
    private Cursor cleanedUpTo = Cursor.START;

    TableReader(TableName table, PollingConfig config, Cursor start) {
        this.table = table;
        this.config = config;
        this.dialect = config.dialect();
        this.partition = Dialect.partition(table);
        this.topic = config.rowTopic(table);
        this.converter = new RowConverter(table);
        this.horizon = dialect.horizon(table);
        this.cursor = start;
    }

    TableName table() {
        return table;
    }

    Map<String, Object> partition() {
        return partition;
    }

    Cursor cursor() {
        return cursor;
    }

    /** The next rows after the cursor that no in-flight transaction can precede; advances the cursor past them. */
    List<SourceRecord> poll(Connection connection, long nowMs) throws SQLException {
        // A read, then the horizon's verdict on it; a proof completed after the read needs one more read, and
        // a batch whose settled part is cut short by another hole is left for the next poll.
        for (int read = 0; read < MAX_READS_PER_POLL; read++) {
            List<SourceRecord> records = new ArrayList<>();
            List<Cursor> cursors = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(dialect.selectBatch(table))) {
                dialect.bindSelectBatch(statement, cursor, config.batchMaxRows());
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        Cursor rowCursor = dialect.cursorOf(rows);
                        Struct value = converter.convert(rows);
                        records.add(new SourceRecord(
                                partition,
                                dialect.offset(rowCursor),
                                topic,
                                null,
                                null,
                                null,
                                value.schema(),
                                value,
                                nowMs));
                        cursors.add(rowCursor);
                    }
                }
            }
            long[] positions = cursors.stream().mapToLong(Cursor::position).toArray();
            int settled = horizon.settled(connection, cursor.position(), positions);
            if (settled != Horizon.READ_AGAIN) {
                if (settled > 0) {
                    cursor = cursors.get(settled - 1);
                }
                return settled == records.size() ? records : new ArrayList<>(records.subList(0, settled));
            }
        }
        return new ArrayList<>();
    }

    /**
     * Deletes rows at or before the committed cursor, in batches of {@code cleanup.batch.rows}, each batch its own
     * short transaction, at most {@code maxBatches} batches per call. Never passes {@code committed}.
     *
     * @return rows deleted
     */
    long cleanUp(Connection connection, Cursor committed, int maxBatches) throws SQLException {
        if (committed == null || !committed.isAfter(cleanedUpTo)) {
            return 0;
        }
        long deleted = 0;
        try (PreparedStatement statement = connection.prepareStatement(dialect.deleteBatch(table))) {
            for (int batch = 0; batch < maxBatches; batch++) {
                dialect.bindDeleteBatch(statement, committed, config.cleanupBatchRows());
                int rows = statement.executeUpdate();
                deleted += rows;
                if (rows < config.cleanupBatchRows()) {
                    cleanedUpTo = committed;
                    break;
                }
            }
        }
        return deleted;
    }

    /** Age of the first committed row after the cursor, or 0 when none; -1 without a created-at column. */
    long oldestPendingAgeMs(Connection connection, long nowMs) throws SQLException {
        String sql = dialect.selectOldestPending(table);
        if (sql == null) {
            return -1;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            dialect.bindOldestPending(statement, cursor);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                Timestamp created = rs.getTimestamp(1);
                return created == null ? 0 : Math.max(0, nowMs - created.getTime());
            }
        }
    }
}
