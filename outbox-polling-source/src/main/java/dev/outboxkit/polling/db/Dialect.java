package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.outboxkit.polling.PollingConfig;

/**
 * What differs between databases: how to connect, which rows are safe to read (no transaction still in flight can
 * precede them), the cursor's shape in Connect's offsets, the cleanup statement, and what the schema must have.
 * Every statement is written to use the cursor index (checked by a test on the plans).
 */
public abstract class Dialect {

    static final String OFFSET_POSITION = "position";
    static final String OFFSET_TXID = "txid";

    protected final String positionColumn;
    protected final String txidColumn;
    protected final String createdColumn;
    protected final int socketTimeoutMs;
    protected final String user;

    protected Dialect(PollingConfig config) {
        this.user = config.user();
        this.positionColumn = config.positionColumn();
        this.txidColumn = config.txidColumn();
        this.createdColumn = config.createdColumn();
        this.socketTimeoutMs = config.socketTimeoutMs();
    }

    public static boolean isSupported(String url) {
        return url.startsWith("jdbc:postgresql:") || url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:");
    }

    public static Dialect forUrl(String url, PollingConfig config) {
        return url.startsWith("jdbc:postgresql:") ? new PostgresDialect(config) : new MySqlDialect(config);
    }

    /** Closes a connection that may be broken; a failure to close it is only logged. */
    public static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(Dialect.class)
                    .debug("Closing a broken connection failed: {}", e.getMessage());
        }
    }

    /** The URL without its query string (which may hold a password), for messages. */
    public static String redact(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + "?...";
    }

    /** A new connection in auto-commit mode, through the bundled driver (not DriverManager: plugin class loaders). */
    public abstract Connection connect(String url, String user, String password) throws SQLException;

    protected static Properties credentials(String user, String password) {
        Properties properties = new Properties();
        if (user != null && !user.isEmpty()) {
            properties.setProperty("user", user);
        }
        if (password != null && !password.isEmpty()) {
            properties.setProperty("password", password);
        }
        return properties;
    }

    /** Name of the technique, for logs and the README. */
    public abstract String technique();

    /** Reads the next rows after the cursor that no in-flight transaction can still precede, in cursor order. */
    public abstract String selectBatch(TableName table);

    public abstract void bindSelectBatch(PreparedStatement statement, Cursor after, int limit) throws SQLException;

    /** A new horizon for one table: which rows of each batch read may be handed on (it keeps state per table). */
    public abstract Horizon horizon(TableName table);

    /** The cursor of the current row of a {@link #selectBatch} result. */
    public abstract Cursor cursorOf(ResultSet row) throws SQLException;

    /** Deletes at most a batch of the oldest rows at or before the cursor (each call its own short transaction). */
    public abstract String deleteBatch(TableName table);

    public abstract void bindDeleteBatch(PreparedStatement statement, Cursor upTo, int limit) throws SQLException;

    /** The created-at time of the first committed row after the cursor, for the age metric; null without the column. */
    public abstract String selectOldestPending(TableName table);

    public abstract void bindOldestPending(PreparedStatement statement, Cursor after) throws SQLException;

    /** The cursor as Connect source offset. */
    public abstract Map<String, Object> offset(Cursor cursor);

    /** The cursor from a committed source offset (null: the table was never read). */
    public Cursor cursorFromOffset(Map<String, Object> offset) {
        if (offset == null) {
            return Cursor.START;
        }
        Object txid = offset.get(OFFSET_TXID);
        Object position = offset.get(OFFSET_POSITION);
        return new Cursor(
                txid instanceof Number n ? n.longValue() : 0L, position instanceof Number n ? n.longValue() : 0L);
    }

    /** The source partition of a table: its configured name. */
    public static Map<String, Object> partition(TableName table) {
        Map<String, Object> partition = new HashMap<>();
        partition.put("table", table.qualified());
        return partition;
    }

    /** The cursor columns, in order, that the cursor index must lead with. */
    public abstract List<String> cursorColumns();

    /**
     * Checks of what the technique needs beyond columns and the index (the MariaDB/MySQL writers table and trigger, the
     * PostgreSQL xid8 default); each problem as a message naming the table and the object.
     */
    public abstract List<String> checkTechnique(Connection connection, TableName table) throws SQLException;

    /** The schema an unqualified table lives in, for metadata look-ups. */
    public abstract String schemaOf(Connection connection, TableName table) throws SQLException;

    public abstract String quote(String identifier);

    protected String quoted(TableName table) {
        return table.schema() == null ? quote(table.table()) : quote(table.schema()) + "." + quote(table.table());
    }
}
