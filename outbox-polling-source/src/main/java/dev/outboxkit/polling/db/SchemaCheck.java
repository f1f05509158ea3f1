package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.outboxkit.polling.PollingConfig;

/**
 * What {@code Connector.validate} checks in the database, table by table: the table exists, the cursor columns (and
 * the created-at column, when configured) exist, an index leads with the cursor columns, the technique's objects
 * are in place, and the user may SELECT (and DELETE when cleanup deletes). Each problem is one message naming the
 * table and the missing object; never a row value.
 */
public final class SchemaCheck {

    private final PollingConfig config;
    private final Dialect dialect;

    public SchemaCheck(PollingConfig config) {
        this.config = config;
        this.dialect = config.dialect();
    }

    public List<String> check(Connection connection, TableName table) throws SQLException {
        List<String> problems = new ArrayList<>();
        DatabaseMetaData meta = connection.getMetaData();
        String schema = dialect.schemaOf(connection, table);
        boolean catalogs = dialect instanceof MySqlDialect;
        Set<String> columns = new LinkedHashSet<>();
        try (ResultSet rs = catalogs
                ? meta.getColumns(schema, null, table.table(), null)
                : meta.getColumns(null, schema, table.table(), null)) {
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        if (columns.isEmpty()) {
            // MariaDB/MySQL hide the columns of a table the user may not SELECT from: say so when that is why.
            SQLException refused = refusedForPrivilege(probeSelect(connection, table));
            problems.add(
                    refused != null
                            ? selectRefused(table, refused)
                            : "table " + table + " does not exist (or user '" + config.user() + "' cannot see it)");
            return problems;
        }
        List<String> required = new ArrayList<>(dialect.cursorColumns());
        if (config.createdColumn() != null) {
            required.add(config.createdColumn());
        }
        for (String column : required) {
            if (!columns.contains(column.toLowerCase(Locale.ROOT))) {
                problems.add("table " + table + " has no column " + column + " (see README, Polling: DDL)");
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        if (!hasCursorIndex(meta, catalogs, schema, table)) {
            problems.add("table " + table + " has no index on (" + String.join(", ", dialect.cursorColumns())
                    + "): every poll and cleanup would scan the table (see README, Polling: DDL)");
        }
        problems.addAll(dialect.checkTechnique(connection, table));
        problems.addAll(privileges(connection, table));
        return problems;
    }

    private boolean hasCursorIndex(DatabaseMetaData meta, boolean catalogs, String schema, TableName table)
            throws SQLException {
        Map<String, TreeMap<Integer, String>> indexes = new TreeMap<>();
        try (ResultSet rs = catalogs
                ? meta.getIndexInfo(schema, null, table.table(), false, false)
                : meta.getIndexInfo(null, schema, table.table(), false, false)) {
            while (rs.next()) {
                String name = rs.getString("INDEX_NAME");
                String column = rs.getString("COLUMN_NAME");
                if (name == null || column == null) {
                    continue;
                }
                indexes.computeIfAbsent(name, n -> new TreeMap<>())
                        .put(
                                (int) rs.getShort("ORDINAL_POSITION"),
                                column.toLowerCase(Locale.ROOT).replace("\"", ""));
            }
        }
        List<String> wanted = dialect.cursorColumns().stream()
                .map(c -> c.toLowerCase(Locale.ROOT))
                .toList();
        return indexes.values().stream().anyMatch(index -> {
            List<String> leading = new ArrayList<>(index.values());
            return leading.size() >= wanted.size()
                    && leading.subList(0, wanted.size()).equals(wanted);
        });
    }

    /** Probes the statements the task runs, in a transaction that is rolled back; a refusal names the privilege. */
    private List<String> privileges(Connection connection, TableName table) throws SQLException {
        List<String> problems = new ArrayList<>();
        SQLException select = probeSelect(connection, table);
        if (select != null) {
            problems.add(selectRefused(table, select));
        }
        if (config.cleanupMode() == PollingConfig.CleanupMode.DELETE) {
            SQLException delete = probeDelete(connection, table);
            if (delete != null) {
                problems.add("user '" + config.user() + "' may not DELETE from table " + table + ", which "
                        + PollingConfig.CLEANUP_MODE + "=delete needs (" + state(delete) + ")");
            }
        }
        return problems;
    }

    private String selectRefused(TableName table, SQLException e) {
        return "user '" + config.user() + "' may not SELECT from table " + table + " (" + state(e) + ")";
    }

    /** The poll's statement, reading nothing; the refusal, or null. */
    private SQLException probeSelect(Connection connection, TableName table) throws SQLException {
        return inRolledBackTransaction(connection, () -> {
            try (PreparedStatement select = connection.prepareStatement(dialect.selectBatch(table))) {
                dialect.bindSelectBatch(select, Cursor.START, 1);
                select.executeQuery().close();
            }
        });
    }

    /** The cleanup's statement up to {@link Cursor#START}, which precedes every row: deletes nothing. */
    private SQLException probeDelete(Connection connection, TableName table) throws SQLException {
        return inRolledBackTransaction(connection, () -> {
            try (PreparedStatement delete = connection.prepareStatement(dialect.deleteBatch(table))) {
                dialect.bindDeleteBatch(delete, Cursor.START, 1);
                delete.executeUpdate();
            }
        });
    }

    private interface Probe {
        void run() throws SQLException;
    }

    private static SQLException inRolledBackTransaction(Connection connection, Probe probe) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            probe.run();
            return null;
        } catch (SQLException e) {
            return e;
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The refusal if it is for want of a privilege (PostgreSQL 42501; MariaDB/MySQL 1142, 1143), else null. */
    private static SQLException refusedForPrivilege(SQLException e) {
        return e != null && ("42501".equals(e.getSQLState()) || e.getErrorCode() == 1142 || e.getErrorCode() == 1143)
                ? e
                : null;
    }

    private static String state(SQLException e) {
        return "SQLState " + e.getSQLState() + ", error " + e.getErrorCode();
    }
}
