package dev.outboxkit.chaos.workload;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/**
 * What the services do for the whole run: several writer threads, each committing transactions of a business row
 * and an outbox row (the test kit's {@link OutboxWorkload#commitOne}) for aggregates of its own, across the
 * aggregate types. Every event carries its aggregate's sequence number, so the checker can see gaps and
 * reordering. A transaction whose commit fails (the database restarting) is looked up and, if it did not commit,
 * written again with the same id and number: the sequence of an aggregate never skips.
 */
public final class Workload {

    private final SqlDatabase db;
    private final String database;
    private final int writers;
    private final double eventsPerSecond;
    private final long seed;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    /** The ids of the committed events, in the order their commits were acknowledged. */
    private final List<String> committedIds = new ArrayList<>();

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    /** Guards {@link #held} and {@link #waiting}: writers wait on it while the workload is held. */
    private final Object hold = new Object();

    private boolean held;
    private int waiting;

    public Workload(SqlDatabase db, String database, int writers, double eventsPerSecond, long seed) {
        this.db = db;
        this.database = database;
        this.writers = writers;
        this.eventsPerSecond = eventsPerSecond;
        this.seed = seed;
    }

    /**
     * The business table and the outbox table: the plain outbox the Debezium path reads, or, given the
     * {@code connect-configs/} folder, the polling source's shipped DDL (what the README tells its users to create).
     * The writers insert the business row first and the outbox row last, as the README asks of the polling source's
     * users on MariaDB (the counter row's lock is then held only for the commit).
     */
    public static String[] schema(boolean postgres, java.nio.file.Path pollingConfigs) {
        List<String> statements = new ArrayList<>();
        statements.add(OutboxWorkload.ORDERS_TABLE);
        if (pollingConfigs != null) {
            statements.addAll(dev.outboxkit.testkit.db.OutboxDdl.statements(pollingConfigs, postgres, "outbox"));
        } else {
            statements.add(postgres ? OutboxWorkload.postgresSchema("outbox") : OutboxWorkload.mariaDbSchema("outbox"));
        }
        return statements.toArray(String[]::new);
    }

    public void start() {
        running = true;
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread thread = new Thread(() -> write(writer), "writer-" + w);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Holds every writer before its next transaction; true once all of them wait there (each has settled its last
     * transaction), false if one did not within the time given (it may still be retrying against a database that is
     * down). The writers go on at {@link #release()}.
     */
    public boolean hold(Duration within) throws InterruptedException {
        long deadline = System.currentTimeMillis() + within.toMillis();
        synchronized (hold) {
            held = true;
            while (waiting < threads.size()) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                hold.wait(left);
            }
            return true;
        }
    }

    /** Lets held writers go on (nothing if they are not held). */
    public void release() {
        synchronized (hold) {
            held = false;
            hold.notifyAll();
        }
    }

    /** Stops writing; returns when every writer has settled its last transaction. */
    public void stop() throws InterruptedException {
        running = false;
        release();
        for (Thread thread : threads) {
            thread.join(120_000);
        }
    }

    /** Transactions known to have committed so far. */
    public long committed() {
        return committed.get();
    }

    /** The ids of the events known to have committed so far. */
    public List<String> committedIds() {
        synchronized (committedIds) {
            return List.copyOf(committedIds);
        }
    }

    public long retries() {
        return retries.get();
    }

    private void write(int writer) {
        Random random = new Random(seed * 31 + writer);
        List<String[]> aggregates = new ArrayList<>();
        for (String type : OutboxWorkload.AGGREGATE_TYPES) {
            for (int i = writer; i < 60; i += writers) {
                aggregates.add(new String[] {type, type.toLowerCase() + "-" + i});
            }
        }
        int[] sequence = new int[aggregates.size()];
        double perWriter = eventsPerSecond / writers;
        long intervalNanos = (long) (1_000_000_000L / perWriter);
        long next = System.nanoTime();
        Connection connection = null;
        while (running) {
            waitWhileHeld();
            if (!running) {
                break; // stopped while held: no transaction after the stop
            }
            int pick = random.nextInt(aggregates.size());
            String type = aggregates.get(pick)[0];
            String aggregateId = aggregates.get(pick)[1];
            int seq = ++sequence[pick];
            String id = aggregateId + "#" + seq;
            Event event = new Event(
                    id,
                    type,
                    aggregateId,
                    type + "Changed",
                    "{\"aggregate\": \"" + aggregateId + "\", \"seq\": " + seq + ", \"writer\": " + writer + "}");
            boolean done = false;
            while (!done) {
                try {
                    if (connection == null) {
                        connection = db.connect(database);
                        connection.setAutoCommit(false);
                    }
                    OutboxWorkload.commitOne(connection, db.isPostgres(), "outbox", event, BigDecimal.valueOf(seq));
                    done = true;
                } catch (SQLException e) {
                    retries.incrementAndGet();
                    closeQuietly(connection);
                    connection = null;
                    done = committedAfterAll(id);
                    if (!done) {
                        pause(250);
                    }
                }
            }
            synchronized (committedIds) {
                committedIds.add(id);
                committed.incrementAndGet();
            }
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                pause(wait / 1_000_000);
            } else {
                next = System.nanoTime();
            }
        }
        closeQuietly(connection);
    }

    private void waitWhileHeld() {
        synchronized (hold) {
            if (!held) {
                return;
            }
            waiting++;
            hold.notifyAll();
            try {
                while (held && running) {
                    hold.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiting--;
            }
        }
    }

    /**
     * After a failed commit: whether the transaction committed anyway, looked up by its business row (the outbox row
     * may already be gone: the polling source deletes rows once they are on Kafka). Waits for the database while it is
     * down.
     */
    private boolean committedAfterAll(String id) {
        while (true) {
            try (Connection check = db.connect(database);
                    PreparedStatement query = check.prepareStatement("SELECT COUNT(*) FROM orders WHERE id = ?")) {
                query.setString(1, id);
                try (ResultSet rows = query.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) == 1;
                }
            } catch (SQLException e) {
                pause(250);
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // The database went away; a new connection is made.
            }
        }
    }
}
