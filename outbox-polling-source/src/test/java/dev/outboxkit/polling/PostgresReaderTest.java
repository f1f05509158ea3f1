package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.polling.db.SchemaCheck;
import dev.outboxkit.polling.db.TableName;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** The reader on a real PostgreSQL 18 (zonky binaries). */
class PostgresReaderTest extends ReaderContract {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
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

    @Test
    void schemaCheckNamesAMissingDeletePrivilege() throws Exception {
        String table = newTable();
        try (Connection admin = connect();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE reader_only LOGIN");
            statement.execute("GRANT SELECT ON " + table + " TO reader_only");
        }
        PollingConfig config = new PollingConfig(Map.of(
                PollingConfig.CONNECTION_URL,
                url(),
                PollingConfig.CONNECTION_USER,
                "reader_only",
                PollingConfig.TABLES,
                table));
        try (Connection connection = config.dialect().connect(url(), "reader_only", "")) {
            assertThat(new SchemaCheck(config).check(connection, TableName.parse(table)))
                    .containsExactly("user"
                            + " 'reader_only' may not DELETE from table " + table + ", which cleanup.mode=delete needs"
                            + " (SQLState 42501, error 0)");
        }
    }
}
