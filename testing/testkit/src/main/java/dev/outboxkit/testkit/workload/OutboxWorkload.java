package dev.outboxkit.testkit.workload;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
            statements.beforeCommit();
        }
        connection.commit();
    }

    private static final String BUSINESS_INSERT = "INSERT INTO orders (id, aggregate, amount) VALUES (?, ?, ?)";

    /**
     * The two inserts of a service's transaction, prepared on a connection of the caller's (auto-commit off), and kept
     * for as many transactions as the caller likes: {@link #add} the rows of each event, {@link #beforeCommit}, then
     * commit the connection. A service that reads its outbox through the database log may delete its outbox rows in
     * the very transaction that inserted them, as Debezium's outbox examples do: the log holds the insert (the event)
     * and the delete (which the router drops), and the table stays empty. With {@code deleteInTransaction} the
     * statements do that: {@link #beforeCommit} deletes the rows added since the last call.
     */
    public static final class Statements implements AutoCloseable {

        private final Connection connection;
        private final String outboxTable;
        private final boolean deleteInTransaction;
        private final PreparedStatement business;
        private final PreparedStatement outbox;
        private final List<String> added = new ArrayList<>();
        private PreparedStatement delete;

        public Statements(Connection connection, boolean postgres, String outboxTable) throws SQLException {
            this(connection, postgres, outboxTable, false);
        }

        public Statements(Connection connection, boolean postgres, String outboxTable, boolean deleteInTransaction)
                throws SQLException {
            this.connection = connection;
            this.outboxTable = outboxTable;
            this.deleteInTransaction = deleteInTransaction;
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
            if (deleteInTransaction) {
                added.add(event.id());
            }
        }

        /** Forgets the rows added since the last {@link #beforeCommit}: their transaction was rolled back. */
        public void rolledBack() {
            added.clear();
        }

        /**
         * With deleteInTransaction, deletes the outbox rows added since the last call, one statement a row by its
         * primary key (sent as one JDBC batch), as Debezium's outbox examples delete each event after saving it. A
         * single {@code DELETE ... WHERE id IN (...)} of a transaction's rows deadlocked concurrent writers on MariaDB
         * in the benchmark; a delete by the full primary key locks only its own row. Otherwise does nothing.
         */
        public void beforeCommit() throws SQLException {
            if (added.isEmpty()) {
                return;
            }
            if (delete == null) {
                delete = connection.prepareStatement("DELETE FROM " + outboxTable + " WHERE id = ?");
            }
            for (String id : added) {
                delete.setString(1, id);
                delete.addBatch();
            }
            int[] counts = delete.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 1 && counts[i] != Statement.SUCCESS_NO_INFO) {
                    throw new IllegalStateException(
                            "deleting outbox row " + added.get(i) + " just inserted deleted " + counts[i] + " rows");
                }
            }
            added.clear();
        }

        @Override
        public void close() throws SQLException {
            try (business;
                    outbox;
                    PreparedStatement ignored = delete) {
                // All are closed, the later ones even when an earlier one fails.
            }
        }
    }

    /** How many rows the outbox table holds now. */
    public static long rows(SqlDatabase db, String database, String outboxTable) throws SQLException {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM " + outboxTable)) {
            count.next();
            return count.getLong(1);
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
        return write(db, database, outboxTable, prefix, from, count, false, listener);
    }

    /**
     * Writes events from..from+count-1 as a service that keeps its outbox table empty does: each transaction inserts
     * the business row and the outbox row, then deletes the outbox row ({@link Statements}).
     */
    public static List<Event> writeAndDelete(
            SqlDatabase db, String database, String outboxTable, String prefix, int from, int count)
            throws SQLException {
        return write(db, database, outboxTable, prefix, from, count, true, (event, at) -> {});
    }

    private static List<Event> write(
            SqlDatabase db,
            String database,
            String outboxTable,
            String prefix,
            int from,
            int count,
            boolean deleteInTransaction,
            CommitListener listener)
            throws SQLException {
        List<Event> written = new ArrayList<>(count);
        try (Connection connection = db.connect(database)) {
            connection.setAutoCommit(false);
            try (Statements statements =
                    new Statements(connection, db.isPostgres(), outboxTable, deleteInTransaction)) {
                for (int n = from; n < from + count; n++) {
                    Event event = event(prefix, n);
                    statements.add(event, new java.math.BigDecimal(n * 3 + ".50"));
                    statements.beforeCommit();
                    connection.commit();
                    listener.committed(event, System.currentTimeMillis());
                    written.add(event);
                }
            }
        }
        return written;
    }
}
