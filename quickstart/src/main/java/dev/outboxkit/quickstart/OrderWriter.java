package dev.outboxkit.quickstart;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/**
 * The service of the local pipeline: orders, each a business row and an outbox row in one transaction, on one
 * connection, either at a fixed offered rate or as fast as the database commits them.
 *
 * <p>At a rate the schedule is open: order n is due at start + n / rate, whatever happened before it, so a slow commit
 * makes the next orders late (and the achieved rate lower, which the report shows) instead of stretching the gaps and
 * hiding the delay.
 */
final class OrderWriter {

    /** What a run of the writer committed, and over how long. */
    record Written(List<Event> events, long startedMs, long endedMs) {

        double eventsPerSecond() {
            return events.size() / Math.max(0.001, (endedMs - startedMs) / 1000.0);
        }
    }

    private final SqlDatabase db;
    private final String database;
    private final String prefix;

    OrderWriter(SqlDatabase db, String database, String prefix) {
        this.db = db;
        this.database = database;
        this.prefix = prefix;
    }

    /**
     * Writes events from..from+count-1 at the offered rate (events/s; infinite for as fast as they commit), telling
     * the listener of each right after its commit.
     */
    Written write(int from, int count, double rate, OutboxWorkload.CommitListener listener) throws SQLException {
        List<Event> written = new ArrayList<>(count);
        long intervalNanos = Double.isInfinite(rate) ? 0 : (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        try (Connection connection = db.connect(database)) {
            connection.setAutoCommit(false);
            try (OutboxWorkload.Statements statements =
                    new OutboxWorkload.Statements(connection, db.isPostgres(), "outbox")) {
                long startedMs = System.currentTimeMillis();
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long wait = start + i * intervalNanos - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int n = from + i;
                    Event event = OutboxWorkload.event(prefix, n);
                    statements.add(event, new BigDecimal(n * 3 + ".50"));
                    connection.commit();
                    listener.committed(event, System.currentTimeMillis());
                    written.add(event);
                }
                return new Written(written, startedMs, System.currentTimeMillis());
            }
        }
    }
}
