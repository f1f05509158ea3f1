package dev.outboxkit.it.polling;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.outboxkit.testkit.db.PostgresServer;
import dev.outboxkit.testkit.db.SqlDatabase;

/** The polling source on PostgreSQL 18 (zonky), through a real worker with exactly-once source support. */
class PostgresPollingIT extends PollingContract {

    private static PostgresServer postgres;

    @BeforeAll
    static void start() throws Exception {
        Path data = Files.createTempDirectory("outboxkit-polling-pg");
        postgres = new PostgresServer(data.resolve("data"));
        postgres.execute("postgres", "CREATE DATABASE " + DATABASE);
        stack = startStack();
    }

    @AfterAll
    static void stopDatabase() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    SqlDatabase db() {
        return postgres;
    }

    @Override
    String shippedConfig() {
        return "postgres-outbox-polling.json";
    }

    @Override
    String qualified(String table) {
        return "public." + table;
    }

    @Override
    void restartDatabase() {
        postgres.stop();
        postgres.start();
    }

    @Override
    void createUser(String name, String table, String privileges) throws SQLException {
        postgres.execute(DATABASE, "CREATE ROLE " + name + " LOGIN");
        grant(name, table, privileges);
    }

    @Override
    void grant(String name, String table, String privileges) throws SQLException {
        postgres.execute(DATABASE, "GRANT " + privileges + " ON " + table + " TO " + name);
    }

    @Override
    String privilegeRefused() {
        return "SQLState 42501, error 0";
    }
}
