package dev.outboxkit.polling;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.polling.db.Dialect;
import dev.outboxkit.polling.metrics.PollingMetrics;

/**
 * A task's cleanup and age metric, every {@code cleanup.interval.ms} on a thread and a database connection of
 * their own, so that deleting never holds up reading: the rows a poll found go to the worker at once, however long
 * a cleanup's deletes take. Cleanup deletes only behind the offsets Connect has committed (never behind what was
 * merely polled); a database error closes the connection and the next run opens another.
 */
final class Housekeeping {

    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
    /** Bounds the time one run spends deleting: cleanup batches per table per run. */
    private static final int CLEANUP_BATCHES_PER_RUN = 20;

    private final PollingConfig config;
    private final Dialect dialect;
    private final List<TableReader> readers;
    private final OffsetStorageReader offsets;
    private final PollingMetrics metrics;
    private final ScheduledExecutorService thread;
    private Connection connection;

    Housekeeping(
            PollingConfig config,
            List<TableReader> readers,
            OffsetStorageReader offsets,
            PollingMetrics metrics,
            String threadName) {
        this.config = config;
        this.dialect = config.dialect();
        this.readers = List.copyOf(readers);
        this.offsets = offsets;
        this.metrics = metrics;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The first run is one interval after the start, when Connect may have committed the first offsets. */
    void start() {
        thread.scheduleWithFixedDelay(
                this::runOnce, config.cleanupIntervalMs(), config.cleanupIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** Ends the thread (a run under way finishes its current statement first) and closes its connection. */
    void stop() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(config.socketTimeoutMs(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "Cleanup of outbox tables {} did not end within {} ms", tableNames(), config.socketTimeoutMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }

    private void runOnce() {
        try {
            if (connection == null) {
                connection = dialect.connect(
                        config.url(), config.user(), config.password().value());
            }
            if (config.cleanupMode() == PollingConfig.CleanupMode.DELETE) {
                cleanUp();
            }
            long now = System.currentTimeMillis();
            long oldest = -1;
            for (TableReader reader : readers) {
                oldest = Math.max(oldest, reader.oldestPendingAgeMs(connection, now));
            }
            metrics.setOldestPendingAgeMs(oldest);
        } catch (SQLException e) {
            closeConnection();
            metrics.recordRetry();
            log.warn(
                    "Database error during the cleanup of outbox tables {} ({}): trying again in {} ms ({})",
                    tableNames(),
                    Dialect.redact(config.url()),
                    config.cleanupIntervalMs(),
                    e.toString());
        } catch (RuntimeException e) {
            // Never let an exception end the schedule: the next run tries again.
            log.error(
                    "Cleanup of outbox tables {} failed: trying again in {} ms",
                    tableNames(),
                    config.cleanupIntervalMs(),
                    e);
        }
    }

    private void cleanUp() throws SQLException {
        List<Map<String, Object>> partitions =
                readers.stream().map(TableReader::partition).toList();
        Map<Map<String, Object>, Map<String, Object>> committed = offsets.offsets(partitions);
        for (TableReader reader : readers) {
            Map<String, Object> offset = committed.get(reader.partition());
            if (offset != null) {
                metrics.recordDeleted(
                        reader.cleanUp(connection, dialect.cursorFromOffset(offset), CLEANUP_BATCHES_PER_RUN));
            }
        }
    }

    private List<String> tableNames() {
        return readers.stream().map(r -> r.table().toString()).toList();
    }

    private void closeConnection() {
        Dialect.closeQuietly(connection);
        connection = null;
    }
}
