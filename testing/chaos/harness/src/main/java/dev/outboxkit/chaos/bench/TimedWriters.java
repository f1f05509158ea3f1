package dev.outboxkit.chaos.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/**
 * The services of the benchmark: several writer threads, each with its own connection, committing transactions of
 * a business row and an outbox row per event (optionally several events per transaction) at an offered rate. The
 * load is open: each thread follows a fixed schedule, so a slow commit makes the next ones run late rather than
 * hiding the delay. Each event's commit time is the wall clock in microseconds right after its commit returned.
 */
public final class TimedWriters {

    private final SqlDatabase db;
    private final String database;
    private final int threads;
    private final Shape shape;
    private final boolean deleteInTransaction;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * What the writers commit: the event of a writer's n-th transaction (n from 1) and the outbox table it goes to.
     * The default is {@link TimedWriters#event} into the table {@code outbox}.
     */
    public interface Shape {
        Event event(String phase, int writer, int sequence);

        default String table(int writer, int sequence) {
            return "outbox";
        }
    }

    public TimedWriters(SqlDatabase db, String database, int threads) {
        this(db, database, threads, TimedWriters::event, false);
    }

    /**
     * @param deleteInTransaction each transaction deletes its outbox rows before it commits, as a service does that
     *     keeps its outbox table empty for a log reader ({@link OutboxWorkload.Statements})
     */
    public TimedWriters(SqlDatabase db, String database, int threads, Shape shape, boolean deleteInTransaction) {
        this.db = db;
        this.database = database;
        this.threads = threads;
        this.shape = shape;
        this.deleteInTransaction = deleteInTransaction;
    }

    /** Events committed by every phase so far. */
    public long committed() {
        return committed.get();
    }

    /** What a phase committed: each event id with its commit time, and the phase's wall-clock span. */
    public record Written(String phase, Map<String, Long> commitMicros, long startedMicros, long endedMicros) {

        public int count() {
            return commitMicros.size();
        }

        public double eventsPerSecond() {
            return count() / Math.max(1e-6, (endedMicros - startedMicros) / 1e6);
        }
    }

    /**
     * Writes at the offered rate (events/s; infinite for as fast as the writers go) until the duration is over or
     * maxEvents are committed, whichever is first, in transactions of eventsPerTransaction events.
     */
    public Written write(
            String phase, double eventsPerSecond, long durationMs, long maxEvents, int eventsPerTransaction)
            throws InterruptedException {
        Map<String, Long> commits = new ConcurrentHashMap<>();
        AtomicLong claimed = new AtomicLong();
        List<Thread> running = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        long started = nowMicros();
        long deadline = System.nanoTime() + durationMs * 1_000_000L;
        for (int t = 0; t < threads; t++) {
            int writer = t;
            Thread thread = new Thread(
                    () -> {
                        try {
                            writeOne(
                                    phase,
                                    writer,
                                    eventsPerSecond / threads,
                                    deadline,
                                    maxEvents,
                                    eventsPerTransaction,
                                    claimed,
                                    commits);
                        } catch (SQLException | RuntimeException e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    },
                    "bench-writer-" + t);
            running.add(thread);
            thread.start();
        }
        for (Thread thread : running) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("A writer failed in phase " + phase, failures.get(0));
        }
        return new Written(phase, commits, started, nowMicros());
    }

    private void writeOne(
            String phase,
            int writer,
            double perThreadRate,
            long deadline,
            long maxEvents,
            int batch,
            AtomicLong claimed,
            Map<String, Long> commits)
            throws SQLException {
        long intervalNanos = Double.isInfinite(perThreadRate) ? 0 : (long) (batch * 1e9 / perThreadRate);
        long next = System.nanoTime();
        int sequence = 0;
        Map<String, OutboxWorkload.Statements> byTable = new HashMap<>();
        try (Connection connection = db.connect(database)) {
            connection.setAutoCommit(false);
            try {
                while (System.nanoTime() < deadline) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    next += intervalNanos;
                    long first = claimed.getAndAdd(batch);
                    if (first >= maxEvents) {
                        return;
                    }
                    int size = (int) Math.min(batch, maxEvents - first);
                    List<Event> events = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        events.add(shape.event(phase, writer, sequence + 1 + i));
                    }
                    OutboxWorkload.Statements statements =
                            statements(byTable, connection, shape.table(writer, sequence + 1));
                    commit(connection, statements, events, sequence);
                    long committedAt = nowMicros();
                    sequence += size;
                    for (Event event : events) {
                        commits.put(event.id(), committedAt);
                    }
                    committed.addAndGet(size);
                }
            } finally {
                for (OutboxWorkload.Statements statements : byTable.values()) {
                    statements.close();
                }
            }
        }
    }

    /**
     * One transaction of the events (numbered from sequence + 1), committed; a transaction the database chose as a
     * deadlock's victim is rolled back and run again, as services do, up to 10 times (counted in {@link #retries}).
     */
    private void commit(Connection connection, OutboxWorkload.Statements statements, List<Event> events, int sequence)
            throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                int n = sequence;
                for (Event event : events) {
                    statements.add(event, BigDecimal.valueOf(++n));
                }
                statements.beforeCommit();
                connection.commit();
                return;
            } catch (SQLTransactionRollbackException e) {
                connection.rollback();
                statements.rolledBack();
                retries.incrementAndGet();
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** Transactions run again after the database rolled them back as a deadlock's victim, over every phase. */
    public long retries() {
        return retries.get();
    }

    /** The prepared inserts of the table on this writer's connection, prepared on first use. */
    private OutboxWorkload.Statements statements(
            Map<String, OutboxWorkload.Statements> byTable, Connection connection, String table) throws SQLException {
        OutboxWorkload.Statements statements = byTable.get(table);
        if (statements == null) {
            statements = new OutboxWorkload.Statements(connection, db.isPostgres(), table, deleteInTransaction);
            byTable.put(table, statements);
        }
        return statements;
    }

    /** An event of about the size of the quickstart's (a ~150-byte JSON payload), on one of 60 aggregates per writer. */
    static Event event(String phase, int writer, int sequence) {
        String type = OutboxWorkload.AGGREGATE_TYPES.get(sequence % OutboxWorkload.AGGREGATE_TYPES.size());
        String aggregateId = type.toLowerCase() + "-" + writer + "-" + (sequence % 20);
        String payload = "{\"aggregate\": \"" + aggregateId + "\", \"seq\": " + sequence + ", \"amount\": "
                + (sequence * 3 + 0.5) + ", \"lines\": [{\"sku\": \"sku-" + (sequence % 7) + "\", \"qty\": "
                + (1 + sequence % 3) + "}]}";
        return new Event(phase + "-" + writer + "-" + sequence, type, aggregateId, type + "Changed", payload);
    }

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
