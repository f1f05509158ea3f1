package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.LocalPipelineRun;
import dev.outboxkit.testkit.db.PostgresServer;

/**
 * {@code ./run-pipeline.sh --jdbc-url} against a PostgreSQL server started outside the run, as a user with their own
 * database runs it (a MariaDB given as {@code jdbc:mysql://} is the database of {@link ObservabilityIT}).
 */
class LocalPipelineExternalDatabaseIT {

    @Test
    void aPostgresqlGivenByJdbcUrlCarriesEveryOrderToMongoDb() throws Exception {
        try (PostgresServer postgres = new PostgresServer()) {
            postgres.execute("postgres", "CREATE DATABASE shop_external");
            try (LocalPipelineRun run = new LocalPipelineRun(
                    "external-postgres",
                    "--orders",
                    "60",
                    "--jdbc-url",
                    "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/shop_external?connectTimeout=10",
                    "--jdbc-user",
                    postgres.user())) {
                int exit = run.awaitExit(Duration.ofSeconds(300));
                assertThat(exit).as(run.output()).isZero();
                assertThat(run.output())
                        .contains(
                                "PostgreSQL at 127.0.0.1:" + postgres.port() + "/shop_external",
                                "OK: every committed event is in MongoDB exactly once");
                assertThat(run.reportNumber("events committed")).isEqualTo(63);
                assertThat(run.reportNumber("events in MongoDB")).isEqualTo(63);
                assertThat(run.reportNumber("missing in MongoDB")).isZero();
            }
            // The run's slot went with its connector (slot.drop.on.stop), so the server keeps no WAL for it.
            try (var connection = postgres.connect("shop_external");
                    var rows = connection.createStatement().executeQuery("SELECT count(*) FROM pg_replication_slots")) {
                rows.next();
                assertThat(rows.getInt(1)).isZero();
            }
        }
    }
}
