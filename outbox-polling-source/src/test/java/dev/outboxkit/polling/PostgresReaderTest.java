package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** The reader on a real PostgreSQL 18 (zonky binaries). */
class PostgresReaderTest extends ReaderContract {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException, SQLException {
        postgres = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .start();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION pg_stat_statements");
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    boolean postgres() {
        return true;
    }

    @Override
    Connection connect() throws SQLException {
        return postgres.getPostgresDatabase().getConnection();
    }

    @Override
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    @Override
    void assertUsesIndex(Connection connection, String sql, List<Object> parameters) throws SQLException {
        String plan = explain(connection, sql, parameters);
        assertThat(plan).as(sql).contains("Index").contains("_cursor").doesNotContain("Seq Scan");
    }

    @Override
    void createUser(String name, String table, String privileges) throws SQLException {
        try (Connection admin = connect();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE " + name + " LOGIN");
            statement.execute("GRANT " + privileges + " ON " + table + " TO " + name);
        }
    }

    @Override
    String privilegeRefused() {
        return "SQLState 42501, error 0";
    }

    /** pg_stat_statements: executions of every statement, but for its own queries. */
    @Override
    long statementsRun(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                var rs = statement.executeQuery("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
                        + " WHERE query NOT LIKE '%pg_stat_statements%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
