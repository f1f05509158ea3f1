package dev.outboxkit.polling;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.polling.db.Cursor;
import dev.outboxkit.polling.db.Dialect;
import dev.outboxkit.polling.db.TableName;
import dev.outboxkit.polling.metrics.PollingMetrics;

/**
 * Reads the outbox tables assigned to it. Owns the lifecycle only: the cursor of each table starts from Connect's
 * committed source offsets (the only place it is kept), each poll asks every table for its next safe batch,
 * cleanup deletes behind the offsets Connect has committed (never behind what was merely polled), and a database
 * error closes the connection and becomes a {@link RetriableException}: the worker polls again and the task
 * reconnects, so a restart or fail-over of the database needs no manual restart.
 */
public class OutboxPollingSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(OutboxPollingSourceTask.class);
    /** Bounds the time one poll spends deleting: cleanup batches per table per cleanup run. */
    private static final int CLEANUP_BATCHES_PER_RUN = 20;

    private PollingConfig config;
    private Dialect dialect;
    private List<TableReader> readers;
    private final PollingMetrics metrics = new PollingMetrics();
    private Connection connection;
    private long nextHousekeepingMs;
    private volatile boolean stopping;

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new PollingConfig(props);
        dialect = config.dialect();
        List<TableName> tables = Arrays.stream(
                        props.getOrDefault(PollingConfig.TASK_TABLES, "").split(","))
                .filter(s -> !s.isBlank())
                .map(TableName::parse)
                .toList();
        List<Map<String, Object>> partitions =
                tables.stream().map(Dialect::partition).toList();
        Map<Map<String, Object>, Map<String, Object>> offsets =
                context.offsetStorageReader().offsets(partitions);
        readers = new ArrayList<>();
        for (TableName table : tables) {
            Cursor start = dialect.cursorFromOffset(offsets.get(Dialect.partition(table)));
            readers.add(new TableReader(table, config, start));
            log.info("Reading outbox table {} from cursor {} ({})", table, start, dialect.technique());
        }
        metrics.register(
                props.getOrDefault("name", "outbox-polling-source"), props.getOrDefault(PollingConfig.TASK_ID, "0"));
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        Connection db = connection();
        try {
            long now = System.currentTimeMillis();
            List<SourceRecord> records = new ArrayList<>();
            for (TableReader reader : readers) {
                records.addAll(reader.poll(db, now));
            }
            if (now >= nextHousekeepingMs) {
                housekeeping(db, now);
                nextHousekeepingMs = now + config.cleanupIntervalMs();
            }
            if (!records.isEmpty()) {
                metrics.recordEmitted(records.size());
                return records;
            }
        } catch (SQLException e) {
            closeConnection();
            metrics.recordRetry();
            log.warn(
                    "Database error while reading outbox tables {} ({}): reconnecting after {} ms ({})",
                    tableNames(),
                    Dialect.redact(config.url()),
                    config.retryBackoffMs(),
                    e.toString());
            pause(config.retryBackoffMs());
            throw new RetriableException("Database error while reading outbox tables " + tableNames(), e);
        }
        pause(config.pollIntervalMs());
        return null;
    }

    /** Cleanup behind the committed offsets, and the age metric. */
    private void housekeeping(Connection db, long now) throws SQLException {
        if (config.cleanupMode() == PollingConfig.CleanupMode.DELETE) {
            List<Map<String, Object>> partitions =
                    readers.stream().map(TableReader::partition).toList();
            Map<Map<String, Object>, Map<String, Object>> committed =
                    context.offsetStorageReader().offsets(partitions);
            for (TableReader reader : readers) {
                Map<String, Object> offset = committed.get(reader.partition());
                if (offset != null) {
                    metrics.recordDeleted(
                            reader.cleanUp(db, dialect.cursorFromOffset(offset), CLEANUP_BATCHES_PER_RUN));
                }
            }
        }
        long oldest = -1;
        for (TableReader reader : readers) {
            oldest = Math.max(oldest, reader.oldestPendingAgeMs(db, now));
        }
        metrics.setOldestPendingAgeMs(oldest);
    }

    private Connection connection() throws InterruptedException {
        if (connection != null) {
            return connection;
        }
        try {
            connection = dialect.connect(
                    config.url(), config.user(), config.password().value());
            return connection;
        } catch (SQLException e) {
            metrics.recordRetry();
            log.warn(
                    "Cannot connect to {} for outbox tables {}: retrying after {} ms ({})",
                    Dialect.redact(config.url()),
                    tableNames(),
                    config.retryBackoffMs(),
                    e.getMessage());
            pause(config.retryBackoffMs());
            throw new RetriableException("Cannot connect to " + Dialect.redact(config.url()), e);
        }
    }

    private void pause(long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!stopping && System.currentTimeMillis() < deadline) {
            Thread.sleep(Math.min(50, Math.max(1, deadline - System.currentTimeMillis())));
        }
    }

    private List<String> tableNames() {
        return readers.stream().map(r -> r.table().toString()).toList();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing a broken connection failed: {}", e.getMessage());
            }
            connection = null;
        }
    }

    /**
     * Since Kafka 3.0 (KAFKA-10792) the worker calls this on the task thread once polling has ended: release the
     * connection and the MBean here.
     */
    @Override
    public void stop() {
        stopping = true;
        closeConnection();
        metrics.unregister();
    }
}
