package dev.outboxkit.testkit.workload;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import dev.outboxkit.testkit.db.SqlDatabase;

/**
 * What a service does: each order is a business row and an outbox row written in one transaction. Events cycle
 * through aggregate types and ids so that every aggregate has several events whose order matters.
 */
public final class OutboxWorkload {

    public static final List<String> AGGREGATE_TYPES = List.of("Order", "Customer", "Payment");

    /** One event as committed: what must arrive in MongoDB, in this order per aggregate. */
    public record Event(String id, String aggregateType, String aggregateId, String type, String payload) {}

    private OutboxWorkload() {}

    public static String mariaDbSchema(String outboxTable) {
        return "CREATE TABLE IF NOT EXISTS " + outboxTable
                + " (id VARCHAR(64) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,"
                + " aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT)";
    }

    public static String postgresSchema(String outboxTable) {
        return "CREATE TABLE IF NOT EXISTS " + outboxTable
                + " (id VARCHAR(64) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,"
                + " aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload JSONB)";
    }

    public static final String ORDERS_TABLE = "CREATE TABLE IF NOT EXISTS orders (id VARCHAR(64) PRIMARY KEY,"
            + " aggregate VARCHAR(255) NOT NULL, amount DECIMAL(12,2) NOT NULL)";

    /** The event of number n, with ids prefixed so that runs and shards never collide. */
    public static Event event(String prefix, int n) {
        String type = AGGREGATE_TYPES.get(n % AGGREGATE_TYPES.size());
        String aggregateId = type.toLowerCase() + "-" + (n % 11);
        String eventType = type + (n % 2 == 0 ? "Created" : "Updated");
        String payload = "{\"n\": " + n + ", \"aggregate\": \"" + aggregateId + "\", \"amount\": " + (n * 3 + 0.5)
                + ", \"lines\": [{\"sku\": \"sku-" + (n % 7) + "\", \"qty\": " + (1 + n % 3) + "}]}";
        return new Event(prefix + "-" + n, type, aggregateId, eventType, payload);
    }

    /** Told of each event right after its transaction committed. */
    @FunctionalInterface
    public interface CommitListener {
        void committed(Event event, long committedAtMillis);
    }

    /** Writes events from..from+count-1, each with its business row, one transaction per event. */
    public static List<Event> write(
            SqlDatabase db, String database, String outboxTable, String prefix, int from, int count)
            throws SQLException {
        return write(db, database, outboxTable, prefix, from, count, (event, at) -> {});
    }

    /**
     * One transaction of a service, on a connection of the caller's (auto-commit off): the business row and the
     * outbox row of the event, then commit.
     */
    public static void commitOne(
            Connection connection, boolean postgres, String outboxTable, Event event, java.math.BigDecimal amount)
            throws SQLException {
        try (Statements statements = new Statements(connection, postgres, outboxTable)) {
            statements.add(event, amount);
        }
        connection.commit();
    }

    private static final String BUSINESS_INSERT = "INSERT INTO orders (id, aggregate, amount) VALUES (?, ?, ?)";

    /**
     * The two inserts of a service's transaction, prepared on a connection of the caller's (auto-commit off), and kept
     * for as many transactions as the caller likes: {@link #add} the rows of each event, then commit the connection.
     */
    public static final class Statements implements AutoCloseable {

        private final PreparedStatement business;
        private final PreparedStatement outbox;

        public Statements(Connection connection, boolean postgres, String outboxTable) throws SQLException {
            business = connection.prepareStatement(BUSINESS_INSERT);
            outbox = connection.prepareStatement(outboxInsert(outboxTable, postgres));
        }

        public void add(Event event, java.math.BigDecimal amount) throws SQLException {
            business.setString(1, event.id());
            business.setString(2, event.aggregateId());
            business.setBigDecimal(3, amount);
            business.executeUpdate();
            outbox.setString(1, event.id());
            outbox.setString(2, event.aggregateType());
            outbox.setString(3, event.aggregateId());
            outbox.setString(4, event.type());
            outbox.setString(5, event.payload());
            outbox.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
            try (business;
                    outbox) {
                // Both are closed, the second even when the first fails.
            }
        }
    }

    private static String outboxInsert(String outboxTable, boolean postgres) {
        return "INSERT INTO " + outboxTable + " (id, aggregatetype, aggregateid, type, payload) VALUES (?, ?, ?, ?, "
                + (postgres ? "?::jsonb" : "?") + ")";
    }

    public static List<Event> write(
            SqlDatabase db,
            String database,
            String outboxTable,
            String prefix,
            int from,
            int count,
            CommitListener listener)
            throws SQLException {
        List<Event> written = new ArrayList<>(count);
        try (Connection connection = db.connect(database)) {
            connection.setAutoCommit(false);
            try (Statements statements = new Statements(connection, db.isPostgres(), outboxTable)) {
                for (int n = from; n < from + count; n++) {
                    Event event = event(prefix, n);
                    statements.add(event, new java.math.BigDecimal(n * 3 + ".50"));
                    connection.commit();
                    listener.committed(event, System.currentTimeMillis());
                    written.add(event);
                }
            }
        }
        return written;
    }
}
