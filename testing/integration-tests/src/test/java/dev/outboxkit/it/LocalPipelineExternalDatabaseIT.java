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
                    "--rate",
                    "100",
                    "--flat-out-orders",
                    "40",
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
                // 3 opening events, 60 orders at 100 a second, 40 flat out.
                assertThat(run.reportNumber("events committed")).isEqualTo(103);
                assertThat(run.reportNumber("events in MongoDB")).isEqualTo(103);
                assertThat(run.output())
                        .containsPattern(
                                "commit-to-MongoDB latency   p50 [0-9,]+ ms, p95 [0-9,]+ ms,"
                                        + " p99 [0-9,]+ ms, max [0-9,]+ ms \\(60 orders offered at 100/s, committed at [0-9,]+/s;");
                assertThat(run.reportNumber("highest sustained rate")).isPositive();
                assertThat(run.output()).contains("(40 orders flat out, committed at ");
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
