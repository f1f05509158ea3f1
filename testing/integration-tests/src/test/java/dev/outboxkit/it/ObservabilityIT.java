package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.LocalPipelineRun;
import dev.outboxkit.it.support.PrometheusServer;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.Ports;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.net.TcpProxy;
import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * What operators look at, proven on a live pipeline: {@code ./run-pipeline.sh --metrics-port P --keep-running} against a
 * MariaDB started outside the run (given as {@code --jdbc-url jdbc:mysql://...}, as MySQL users write it) and a
 * MongoDB behind a proxy this test can cut; a real Prometheus scrapes the worker's JMX exporter agent with
 * {@code ops/prometheus.yml} (its targets and intervals changed for the test) and evaluates {@code ops/alerts.yml}.
 * Every series the dashboard and the rules use is there with the pipeline's own counts, and the "sink retrying"
 * alert fires while MongoDB is cut off and resolves once it is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {

    private static final Path REPOSITORY =
            ConnectStack.configsDir().toAbsolutePath().normalize().getParent();
    private static final Path OPS = REPOSITORY.resolve("ops");
    private static final Pattern SERIES_NAME = Pattern.compile("\\b((?:outboxkit|kafka_connect)_[a-z0-9_]+|up)\\b");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String DATABASE = "shop_observed";
    private static final int ORDERS = 150;
    private static final String SINK = "mongo-log-sink";

    private static MariaDbServer mariadb;
    private static MongoTestServer mongo;
    private static TcpProxy mongoProxy;
    private static LocalPipelineRun pipeline;
    private static PrometheusServer prometheus;
    private static long committed;

    @BeforeAll
    static void start() throws Exception {
        // First, before anything starts: on a machine without Prometheus this installs it, or fails saying what is
        // needed.
        PrometheusServer.ensureInstalled();
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase(DATABASE);
        mongo = new MongoTestServer();
        mongoProxy = new TcpProxy("mongodb", mongo.host(), mongo.port());
        int metricsPort = Ports.free();
        pipeline = new LocalPipelineRun(
                "observability",
                "--orders",
                Integer.toString(ORDERS),
                "--flat-out-orders",
                "0",
                "--keep-running",
                "--metrics-port",
                Integer.toString(metricsPort),
                "--jdbc-url",
                "jdbc:mysql://127.0.0.1:" + mariadb.port() + "/" + DATABASE + "?connectTimeout=5000",
                "--jdbc-user",
                mariadb.user(),
                "--mongo-uri",
                mongo.uriVia("127.0.0.1", mongoProxy.port(), "serverSelectionTimeoutMS=2000&connectTimeoutMS=1000"));
        String metricsUrl = pipeline.awaitLine(
                "the metrics URL",
                Pattern.compile("Prometheus metrics \\(JMX exporter\\) at (\\S+)"),
                Duration.ofSeconds(180));
        assertThat(metricsUrl).isEqualTo("http://127.0.0.1:" + metricsPort + "/metrics");
        pipeline.awaitLine(
                "the pipeline kept running after its report",
                Pattern.compile("The pipeline keeps running"),
                Duration.ofSeconds(240));
        assertThat(pipeline.output()).contains("OK: every committed event is in MongoDB exactly once");
        committed = pipeline.reportNumber("events committed");
        assertThat(committed).isEqualTo(ORDERS + OutboxWorkload.AGGREGATE_TYPES.size());

        Path dir = Files.createDirectories(Path.of("target", "observability").toAbsolutePath());
        String shipped = Files.readString(OPS.resolve("prometheus.yml"));
        String config = shipped.replace(
                        "[\"connect-1:9404\", \"connect-2:9404\"]", "[\"127.0.0.1:" + metricsPort + "\"]")
                .replace("15s", "2s")
                .replace("- alerts.yml", "- " + OPS.resolve("alerts.yml"));
        assertThat(config)
                .as("the test's changes apply to ops/prometheus.yml")
                .contains(
                        "127.0.0.1:" + metricsPort,
                        "2s",
                        OPS.resolve("alerts.yml").toString());
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        prometheus = new PrometheusServer(configFile);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(prometheus, pipeline, mongoProxy, mongo, mariadb);
    }

    @Test
    @Order(1)
    void promtoolAcceptsTheShippedRulesAndScrapeConfig() throws Exception {
        var rules = PrometheusServer.promtool(
                "check", "rules", OPS.resolve("alerts.yml").toString());
        assertThat(rules.exitCode()).as(rules.output()).isZero();
        assertThat(rules.output()).contains("SUCCESS: 7 rules found");
        var config = PrometheusServer.promtool(
                "check", "config", OPS.resolve("prometheus.yml").toString());
        assertThat(config.exitCode()).as(config.output()).isZero();
    }

    @Test
    @Order(2)
    void everySeriesTheDashboardAndTheRulesUseIsScrapedFromTheLivePipeline() throws Exception {
        Set<String> names = new TreeSet<>();
        List<String> dashboardQueries = dashboardQueries();
        dashboardQueries.forEach(query -> names.addAll(seriesNames(query)));
        for (String line : Files.readAllLines(OPS.resolve("alerts.yml"))) {
            if (!line.strip().startsWith("#")) {
                names.addAll(seriesNames(line));
            }
        }
        assertThat(names)
                .as("names found in ops/")
                .hasSizeGreaterThan(20)
                .contains(
                        "outboxkit_sink_retrying_seconds",
                        "kafka_connect_sink_records_lag",
                        "kafka_connect_task_status",
                        "up");
        for (String name : names) {
            Wait.until(
                    name + " is scraped",
                    TIMEOUT,
                    () -> prometheus.query(name).size() > 0,
                    () -> "targets " + prometheus.targets());
        }
        // Each panel's query (rates need two scrapes) has data, so every panel draws.
        for (String query : dashboardQueries) {
            Wait.until(
                    "the dashboard query '" + query + "' has data",
                    TIMEOUT,
                    () -> prometheus.query(query).size() > 0);
        }
    }

    @Test
    @Order(3)
    void theSeriesCarryThePipelinesOwnCounts() {
        awaitValue("sum(outboxkit_sink_records_written_total{connector=\"mongo-log-sink\"})", committed);
        awaitValue("sum(kafka_connect_source_record_write_total)", committed);
        awaitValue("sum(kafka_connect_source_record_poll_total)", committed);
        awaitValue("sum(kafka_connect_sink_record_read_total{connector=\"mongo-log-sink\"})", committed);
        awaitValue("sum(outboxkit_sink_duplicates_skipped_total{connector=\"mongo-log-sink\"})", 0);
        awaitValue("sum(outboxkit_sink_records_dead_lettered_total{connector=\"mongo-log-sink\"})", 0);
        awaitValue("sum(kafka_connect_task_error_deadletterqueue_produce_requests_total)", 0);
        awaitValue("sum(kafka_connect_task_error_total_record_errors_total)", 0);
        awaitValue("max(kafka_connect_sink_records_lag)", 0);
        awaitValue("max(outboxkit_sink_retrying_seconds)", 0);
        // One source task and two tasks for each sink (the event log and the read model, tasks.max=2), all running;
        // three connectors running; none failed.
        awaitValue("count(kafka_connect_task_status{status=\"running\"})", 5);
        awaitValue("count(kafka_connect_connector_status{status=\"running\"})", 3);
        awaitValue("sum(kafka_connect_worker_connector_running_task_count)", 5);
        awaitValue("sum(kafka_connect_worker_connector_failed_task_count)", 0);
        awaitValue("count(outboxkit_sink_records_written_total)", 4);
        assertThat(prometheus.value("sum(outboxkit_sink_bulk_writes_total)")).isPositive();
        assertThat(prometheus.value("max(outboxkit_sink_end_to_end_lag_seconds)"))
                .isPositive()
                .isLessThan(60);
        assertThat(prometheus.alerts()).as("no alert on a healthy pipeline").isEmpty();
    }

    @Test
    @Order(4)
    void theSinkRetryingAlertFiresDuringAMongoDbOutageAndResolvesAfterIt() throws Exception {
        mongoProxy.cut();
        long cutAt = System.nanoTime();
        try {
            OutboxWorkload.write(mariadb, DATABASE, "outbox", "during-outage", 0, 30);
            Wait.until(
                    "the sink reports retrying",
                    TIMEOUT,
                    () -> nonNull(prometheus.value("max(outboxkit_sink_retrying_seconds)")) > 0);
            Wait.until(
                    "OutboxkitSinkRetrying fires",
                    Duration.ofSeconds(150),
                    () -> "firing".equals(prometheus.alertState("OutboxkitSinkRetrying", SINK)),
                    () -> "alerts " + prometheus.alerts() + ", retrying "
                            + prometheus.value("max(outboxkit_sink_retrying_seconds)"));
            assertThat(Duration.ofNanos(System.nanoTime() - cutAt))
                    .as("the rule's threshold is 60 s of failed writes")
                    .isGreaterThan(Duration.ofSeconds(60));
            assertThat(prometheus.value("sum(outboxkit_sink_records_written_total{connector=\"mongo-log-sink\"})"))
                    .as("nothing stored meanwhile")
                    .isEqualTo((double) committed);
            assertThat(prometheus.value("sum(outboxkit_sink_retries_total)")).isPositive();
            assertThat(prometheus.value("sum(kafka_connect_worker_connector_failed_task_count)"))
                    .as("retrying, not FAILED")
                    .isZero();
        } finally {
            mongoProxy.heal();
        }
        Wait.until(
                "OutboxkitSinkRetrying resolves",
                TIMEOUT,
                () -> "inactive".equals(prometheus.alertState("OutboxkitSinkRetrying", SINK)),
                () -> "alerts " + prometheus.alerts());
        awaitValue("sum(outboxkit_sink_records_written_total{connector=\"mongo-log-sink\"})", committed + 30);
        awaitValue("max(outboxkit_sink_retrying_seconds)", 0);
        awaitValue("sum(outboxkit_sink_records_dead_lettered_total{connector=\"mongo-log-sink\"})", 0);
    }

    private static double nonNull(Double value) {
        return value == null ? 0 : value;
    }

    private static void awaitValue(String query, double expected) {
        Wait.until(
                query + " = " + expected,
                TIMEOUT,
                () -> Double.valueOf(expected).equals(prometheus.value(query)),
                () -> String.valueOf(prometheus.query(query)));
    }

    private static List<String> dashboardQueries() throws Exception {
        JsonNode dashboard = new ObjectMapper()
                .readTree(OPS.resolve("grafana-dashboard.json").toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        assertThat(queries)
                .as("queries in ops/grafana-dashboard.json")
                .hasSizeGreaterThan(10)
                .doesNotContain("");
        return queries;
    }

    private static Set<String> seriesNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = SERIES_NAME.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
