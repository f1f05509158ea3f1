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
 * committed source offsets (the only place it is kept), each poll asks every table for its next safe batch (at
 * most once per poll interval while the tables keep up), {@link Housekeeping} cleans up beside it, and a database
 * error closes the connection and becomes a {@link RetriableException}: the worker polls again and the task
 * reconnects, so a restart or fail-over of the database needs no manual restart.
 */
public class OutboxPollingSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(OutboxPollingSourceTask.class);
    private PollingConfig config;
    private Dialect dialect;
    private List<TableReader> readers;
    private final PollingMetrics metrics = new PollingMetrics();
    private Housekeeping housekeeping;
    private Connection connection;
    /** No table is queried again before this time unless the last poll found a full batch (a backlog). */
    private long nextPollMs;

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
        String connector = props.getOrDefault("name", "outbox-polling-source");
        String taskId = props.getOrDefault(PollingConfig.TASK_ID, "0");
        metrics.register(connector, taskId);
        housekeeping = new Housekeeping(
                config, readers, context.offsetStorageReader(), metrics, connector + "-" + taskId + "-cleanup");
        housekeeping.start();
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        pause(nextPollMs - System.currentTimeMillis());
        Connection db = connection();
        try {
            long now = System.currentTimeMillis();
            List<SourceRecord> records = new ArrayList<>();
            boolean backlog = false;
            for (TableReader reader : readers) {
                List<SourceRecord> batch = reader.poll(db, now);
                backlog |= batch.size() >= config.batchMaxRows();
                records.addAll(batch);
            }
            // Each table is asked at most once per poll interval while it keeps up, so under a steady load one poll
            // (and, with exactly-once, one Kafka transaction) carries an interval's rows rather than the few that
            // committed since the last query; a full batch means a backlog, read on at once.
            nextPollMs = backlog ? 0 : now + config.pollIntervalMs();
            if (!records.isEmpty()) {
                metrics.recordEmitted(records.size());
                return records;
            }
            return null;
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
        Dialect.closeQuietly(connection);
        connection = null;
    }

    /**
     * Since Kafka 3.0 (KAFKA-10792) the worker calls this on the task thread once polling has ended: release the
     * connection and the MBean here.
     */
    @Override
    public void stop() {
        stopping = true;
        if (housekeeping != null) {
            housekeeping.stop();
        }
        closeConnection();
        metrics.unregister();
    }
}
