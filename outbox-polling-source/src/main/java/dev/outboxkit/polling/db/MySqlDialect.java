package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.outboxkit.polling.PollingConfig;

/**
 * MariaDB and MySQL: the position is the table's AUTO_INCREMENT, and a {@code BEFORE INSERT} trigger locks the
 * writing connection's slot in the writers table before the position is taken, until the transaction ends.
 * {@code position > last} reads return committed rows in position order; a position missing among them is settled
 * by {@link WriterSlots} (a transaction in flight holds it, or it will never appear), without waiting on anything.
 */
final class MySqlDialect extends Dialect {

    private final String writersSuffix;

    MySqlDialect(PollingConfig config) {
        super(config);
        this.writersSuffix = config.writersSuffix();
    }

    /** The writers table beside an outbox table: same schema, the outbox table's name plus the suffix. */
    TableName writersTable(TableName table) {
        return new TableName(table.schema(), table.table() + writersSuffix);
    }

    @Override
    public Horizon horizon(TableName table) {
        return new WriterSlots(quoted(writersTable(table)));
    }

    @Override
    public Connection connect(String url, String user, String password) throws SQLException {
        // The bundled driver is MariaDB's; it reads MySQL servers too under its own scheme.
        String mariadbUrl =
                url.startsWith("jdbc:mysql:") ? "jdbc:mariadb:" + url.substring("jdbc:mysql:".length()) : url;
        java.util.Properties properties = credentials(user, password);
        properties.setProperty("socketTimeout", Integer.toString(socketTimeoutMs));
        properties.setProperty("connectTimeout", Integer.toString(socketTimeoutMs));
        Connection connection = new org.mariadb.jdbc.Driver().connect(mariadbUrl, properties);
        if (connection == null) {
            throw new SQLException("The MariaDB driver does not accept the URL " + redact(url));
        }
        connection.setAutoCommit(true);
        // No gap locks from the cleanup's DELETE: writers append at the end of the position index.
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        return connection;
    }

    @Override
    public String technique() {
        return "AUTO_INCREMENT position; holes settled by the writer slots locked in " + writersSuffix + " tables";
    }

    @Override
    public String selectBatch(TableName table) {
        String p = quote(positionColumn);
        return "SELECT * FROM " + quoted(table) + " WHERE " + p + " > ? ORDER BY " + p + " LIMIT ?";
    }

    @Override
    public void bindSelectBatch(PreparedStatement statement, Cursor after, int limit) throws SQLException {
        statement.setLong(1, after.position());
        statement.setInt(2, limit);
    }

    @Override
    public Cursor cursorOf(ResultSet row) throws SQLException {
        return new Cursor(0, row.getLong(positionColumn));
    }

    @Override
    public String deleteBatch(TableName table) {
        String p = quote(positionColumn);
        return "DELETE FROM " + quoted(table) + " WHERE " + p + " <= ? ORDER BY " + p + " LIMIT ?";
    }

    @Override
    public void bindDeleteBatch(PreparedStatement statement, Cursor upTo, int limit) throws SQLException {
        statement.setLong(1, upTo.position());
        statement.setInt(2, limit);
    }

    @Override
    public String selectOldestPending(TableName table) {
        if (createdColumn == null) {
            return null;
        }
        String p = quote(positionColumn);
        return "SELECT " + quote(createdColumn) + " FROM " + quoted(table) + " WHERE " + p + " > ? ORDER BY " + p
                + " LIMIT 1";
    }

    @Override
    public void bindOldestPending(PreparedStatement statement, Cursor after) throws SQLException {
        statement.setLong(1, after.position());
    }

    @Override
    public Map<String, Object> offset(Cursor cursor) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_POSITION, cursor.position());
        return offset;
    }

    @Override
    public List<String> cursorColumns() {
        return List.of(positionColumn);
    }

    @Override
    public List<String> checkTechnique(Connection connection, TableName table) throws SQLException {
        List<String> problems = new ArrayList<>();
        String schema = schemaOf(connection, table);
        TableName writers = writersTable(table);
        if (readOnly(connection)) {
            // The writers' slot locks live only on the server they write to; a replica shows none.
            problems.add("the server at " + PollingConfig.CONNECTION_URL + " is read-only (a replica?): table " + table
                    + " must be read on the primary, where its writers hold their slots");
        }
        if (!autoIncrement(connection, schema, table)) {
            problems.add("column " + table.table() + "." + positionColumn
                    + " must be AUTO_INCREMENT (see README, Polling: DDL)");
        }
        String writersProblem = writersTableProblem(connection, table, writers);
        if (writersProblem != null) {
            problems.add(writersProblem);
        }
        if (!hasSlotTrigger(connection, schema, table, writers) && maySeeTriggers(connection, schema, table)) {
            problems.add("table " + table + " has no BEFORE INSERT trigger that locks its writer's slot in "
                    + writers.table() + " (see README, Polling: DDL)");
        }
        return problems;
    }

    private static boolean readOnly(Connection connection) throws SQLException {
        try (var statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT @@global.read_only")) {
            return rs.next() && rs.getInt(1) != 0;
        }
    }

    /** Whether the position column is the table's AUTO_INCREMENT (true when the column is not visible). */
    private boolean autoIncrement(Connection connection, String schema, TableName table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT EXTRA FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            statement.setString(1, schema);
            statement.setString(2, table.table());
            statement.setString(3, positionColumn);
            try (ResultSet rs = statement.executeQuery()) {
                return !rs.next() || rs.getString(1).toLowerCase(Locale.ROOT).contains("auto_increment");
            }
        }
    }

    /** What is wrong with the writers table as the reads see it (missing, empty, not readable), or null. */
    private String writersTableProblem(Connection connection, TableName table, TableName writers) {
        try (var statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + quoted(writers) + " WHERE "
                        + WriterSlots.SLOT + " >= 0 AND " + WriterSlots.GENERATION + " >= 0")) {
            rs.next();
            return rs.getLong(1) > 0
                    ? null
                    : "table " + writers + " has no rows: the trigger of " + table
                            + " refuses every insert (see README, Polling: DDL)";
        } catch (SQLException e) {
            if (e.getErrorCode() == 1142 || e.getErrorCode() == 1143) {
                return "user '" + user + "' may not SELECT from table " + writers + ", which the reads of " + table
                        + " need (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")";
            }
            return "table " + table + " has no writers table " + writers + " with columns slot and gen"
                    + " (see README, Polling: DDL)";
        }
    }

    /** Whether a BEFORE INSERT trigger of the table names its writers table (as far as the user may see). */
    private static boolean hasSlotTrigger(Connection connection, String schema, TableName table, TableName writers)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT ACTION_STATEMENT FROM"
                + " information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?"
                + " AND EVENT_MANIPULATION = 'INSERT' AND ACTION_TIMING = 'BEFORE'")) {
            statement.setString(1, schema);
            statement.setString(2, table.table());
            String writersName = writers.table().toLowerCase(Locale.ROOT);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    String body = rs.getString(1);
                    if (body != null && body.toLowerCase(Locale.ROOT).contains(writersName)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final Pattern GRANT = Pattern.compile("^GRANT (.+?) ON (\\S+) TO .*");

    /**
     * MariaDB and MySQL show a table's triggers (information_schema.TRIGGERS, SHOW TRIGGERS) only to users with the
     * TRIGGER privilege on it; a relay user with just SELECT and DELETE sees none. Whether the user may see them, from
     * its own SHOW GRANTS; a server without privilege checks ({@code --skip-grant-tables}) refuses SHOW GRANTS and
     * shows everything.
     */
    private static boolean maySeeTriggers(Connection connection, String schema, TableName table) {
        Set<String> targets = Set.of("*.*", schema + ".*", schema + "." + table.table());
        try (var statement = connection.createStatement();
                ResultSet grants = statement.executeQuery("SHOW GRANTS")) {
            while (grants.next()) {
                Matcher grant = GRANT.matcher(grants.getString(1));
                if (grant.matches()
                        && targets.contains(grant.group(2).replace("`", ""))
                        && (grant.group(1).startsWith("ALL PRIVILEGES")
                                || List.of(grant.group(1).split(",\\s*")).contains("TRIGGER"))) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public String schemaOf(Connection connection, TableName table) throws SQLException {
        return table.schema() != null ? table.schema() : connection.getCatalog();
    }

    @Override
    public String quote(String identifier) {
        return '`' + identifier + '`';
    }
}
