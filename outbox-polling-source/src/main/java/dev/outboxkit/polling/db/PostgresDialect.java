package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.outboxkit.polling.PollingConfig;

/**
 * PostgreSQL: each row carries the id of the transaction that wrote it ({@code xid8 DEFAULT pg_current_xact_id()}).
 * A poll reads only rows whose transaction id is below the horizon {@code pg_snapshot_xmin(pg_current_snapshot())}
 * of the statement's own snapshot: every transaction below it has ended, so the snapshot already holds all of
 * their committed rows, and every transaction that may still write gets an id at or above the horizon. Rows are
 * read in (transaction id, position) order and that pair is the cursor: no row can ever appear behind it.
 */
final class PostgresDialect extends Dialect {

    PostgresDialect(PollingConfig config) {
        super(config);
    }

    @Override
    public Connection connect(String url, String user, String password) throws SQLException {
        java.util.Properties properties = credentials(user, password);
        // pgjdbc takes seconds; a URL parameter of the same name wins.
        int seconds = Math.max(1, socketTimeoutMs / 1000);
        properties.setProperty("socketTimeout", Integer.toString(seconds));
        properties.setProperty("connectTimeout", Integer.toString(seconds));
        Connection connection = new org.postgresql.Driver().connect(url, properties);
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver does not accept the URL " + redact(url));
        }
        connection.setAutoCommit(true);
        return connection;
    }

    @Override
    public String technique() {
        return "transaction-id horizon (pg_snapshot_xmin)";
    }

    @Override
    public String selectBatch(TableName table) {
        String t = quote(txidColumn);
        String p = quote(positionColumn);
        return "SELECT * FROM " + quoted(table) + " WHERE (" + t + ", " + p + ") > (CAST(? AS text)::xid8, ?) AND " + t
                + " < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY " + t + ", " + p + " LIMIT ?";
    }

    @Override
    public void bindSelectBatch(PreparedStatement statement, Cursor after, int limit) throws SQLException {
        statement.setString(1, Long.toString(after.txid()));
        statement.setLong(2, after.position());
        statement.setInt(3, limit);
    }

    @Override
    public Horizon horizon(TableName table) {
        return Horizon.IN_THE_QUERY;
    }

    @Override
    public Cursor cursorOf(ResultSet row) throws SQLException {
        return new Cursor(Long.parseLong(row.getString(txidColumn)), row.getLong(positionColumn));
    }

    @Override
    public String deleteBatch(TableName table) {
        String t = quote(txidColumn);
        String p = quote(positionColumn);
        return "DELETE FROM " + quoted(table) + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + quoted(table) + " WHERE ("
                + t + ", " + p + ") <= (CAST(? AS text)::xid8, ?) ORDER BY " + t + ", " + p + " LIMIT ?))";
    }

    @Override
    public void bindDeleteBatch(PreparedStatement statement, Cursor upTo, int limit) throws SQLException {
        statement.setString(1, Long.toString(upTo.txid()));
        statement.setLong(2, upTo.position());
        statement.setInt(3, limit);
    }

    @Override
    public String selectOldestPending(TableName table) {
        if (createdColumn == null) {
            return null;
        }
        String t = quote(txidColumn);
        String p = quote(positionColumn);
        return "SELECT " + quote(createdColumn) + " FROM " + quoted(table) + " WHERE (" + t + ", " + p
                + ") > (CAST(? AS text)::xid8, ?) ORDER BY " + t + ", " + p + " LIMIT 1";
    }

    @Override
    public void bindOldestPending(PreparedStatement statement, Cursor after) throws SQLException {
        statement.setString(1, Long.toString(after.txid()));
        statement.setLong(2, after.position());
    }

    @Override
    public Map<String, Object> offset(Cursor cursor) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_TXID, cursor.txid());
        offset.put(OFFSET_POSITION, cursor.position());
        return offset;
    }

    @Override
    public List<String> cursorColumns() {
        return List.of(txidColumn, positionColumn);
    }

    @Override
    public List<String> checkTechnique(Connection connection, TableName table) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT format_type(a.atttypid, a.atttypmod),"
                        + " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid"
                        + " AND d.adnum = a.attnum WHERE a.attrelid = to_regclass(?) AND a.attname = ? AND NOT a.attisdropped")) {
            statement.setString(1, quoted(table));
            statement.setString(2, txidColumn);
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    String type = rs.getString(1);
                    String defaultExpr = rs.getString(2);
                    if (!"xid8".equals(type)) {
                        problems.add("column " + table + "." + txidColumn + " is " + type + ", must be xid8");
                    }
                    if (defaultExpr == null || !defaultExpr.contains("pg_current_xact_id()")) {
                        problems.add("column " + table + "." + txidColumn
                                + " must default to pg_current_xact_id() (see README, Polling: DDL)");
                    }
                }
            }
        }
        return problems;
    }

    @Override
    public String schemaOf(Connection connection, TableName table) throws SQLException {
        if (table.schema() != null) {
            return table.schema();
        }
        try (var statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_schema()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public String quote(String identifier) {
        return '"' + identifier + '"';
    }
}
