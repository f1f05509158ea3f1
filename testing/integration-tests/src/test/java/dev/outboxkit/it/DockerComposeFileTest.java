package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.it.support.ConnectStack;

/**
 * docker-compose.yml cannot run here (no Docker engine; CI checks its syntax with docker-compose config), so this
 * checks what it names against the build: every mounted host path exists, the config files the register
 * service registers exist, and every outboxkit class they name is in the plugin directory that is mounted.
 */
class DockerComposeFileTest {

    private static final Path REPOSITORY = ConnectStack.configsDir().getParent();
    private static final Pattern HOST_PATH = Pattern.compile("^\\s*-\\s*(\\./[^:]+):(/[^:]+)(:ro)?\\s*$");
    private static final Pattern REGISTERED = Pattern.compile("^\\s*-\\s*/configs/(\\S+\\.json)\\s*$");

    private static List<String> compose() throws IOException {
        return Files.readAllLines(REPOSITORY.resolve("docker-compose.yml"));
    }

    @Test
    void everyMountedHostPathExistsInTheBuild() throws IOException {
        List<String> mounted = new ArrayList<>();
        for (String line : compose()) {
            Matcher matcher = HOST_PATH.matcher(line);
            if (matcher.matches()) {
                mounted.add(matcher.group(1));
            }
        }
        assertThat(mounted)
                .contains(
                        "./quickstart/target/connect-plugins/outboxkit-outbox-router-smt",
                        "./quickstart/target/connect-plugins/outboxkit-mongo-log-sink",
                        "./connect-configs",
                        "./docker/mysql/init.sql",
                        "./docker/secrets/outboxkit.properties",
                        "./quickstart/target/agents/jmx_prometheus_javaagent.jar",
                        "./ops/jmx-exporter.yml",
                        "./ops/prometheus.yml",
                        "./ops/alerts.yml",
                        "./ops/grafana/datasource.yml",
                        "./ops/grafana/dashboards.yml",
                        "./ops/grafana-dashboard.json");
        for (String path : mounted) {
            assertThat(REPOSITORY.resolve(path))
                    .as("mounted by docker-compose.yml")
                    .exists();
        }
    }

    @Test
    void registeredConfigsExistAndTheirOutboxkitClassesAreInTheMountedPlugins() throws IOException {
        List<String> registered = new ArrayList<>();
        for (String line : compose()) {
            Matcher matcher = REGISTERED.matcher(line);
            if (matcher.matches()) {
                registered.add(matcher.group(1));
            }
        }
        assertThat(registered)
                .containsExactly("mysql-outbox-source.json", "mongo-log-sink.json", "mongo-read-model-sink.json");
        List<String> outboxkitClasses = new ArrayList<>();
        for (String file : registered) {
            Map<String, String> config = new ObjectMapper()
                    .readValue(
                            REPOSITORY.resolve("connect-configs").resolve(file).toFile(),
                            new TypeReference<Map<String, String>>() {});
            assertThat(config).containsKey("connector.class");
            config.forEach((key, value) -> {
                if ((key.equals("connector.class") || key.matches("transforms\\.[^.]+\\.type"))
                        && value.startsWith("dev.outboxkit.")) {
                    outboxkitClasses.add(value);
                }
            });
        }
        assertThat(outboxkitClasses)
                .containsExactlyInAnyOrder(
                        "dev.outboxkit.router.OutboxEventRouter",
                        "dev.outboxkit.mongo.MongoLogSinkConnector",
                        "dev.outboxkit.mongo.MongoLogSinkConnector");
        for (String className : outboxkitClasses) {
            assertThat(pluginJarsHolding(className))
                    .as(className + " in a mounted plugin directory")
                    .hasSize(1);
        }
    }

    @Test
    void everyWorkerRunsTheJmxExporterAgentThatPrometheusScrapesAndGrafanaReads() throws IOException {
        List<String> lines = compose();
        Map<String, String> mountedAt = new java.util.HashMap<>();
        List<String> services = new ArrayList<>();
        for (String line : lines) {
            Matcher mount = HOST_PATH.matcher(line);
            if (mount.matches()) {
                mountedAt.put(mount.group(2), mount.group(1));
            }
            Matcher service = Pattern.compile("^  ([a-z0-9-]+):.*$").matcher(line);
            if (service.matches()) {
                services.add(service.group(1));
            }
        }
        assertThat(services).contains("connect-1", "connect-2", "prometheus", "grafana");

        // The agent option (inherited by connect-2 through the shared environment) names mounted files.
        List<String> agentOptions =
                lines.stream().filter(l -> l.strip().startsWith("KAFKA_OPTS:")).toList();
        assertThat(agentOptions).hasSize(1);
        Matcher agent =
                Pattern.compile("-javaagent:(\\S+\\.jar)=(\\d+):(\\S+\\.yml)").matcher(agentOptions.get(0));
        assertThat(agent.find()).as(agentOptions.get(0)).isTrue();
        assertThat(mountedAt.get(agent.group(1))).isEqualTo("./quickstart/target/agents/jmx_prometheus_javaagent.jar");
        assertThat(mountedAt.get(agent.group(3))).isEqualTo("./ops/jmx-exporter.yml");

        // Prometheus reads ops/prometheus.yml at the image's default path, its rules next to it, and scrapes both
        // workers on the agent's port.
        assertThat(mountedAt.get("/etc/prometheus/prometheus.yml")).isEqualTo("./ops/prometheus.yml");
        String scrape = Files.readString(REPOSITORY.resolve("ops/prometheus.yml"));
        assertThat(scrape).contains("- alerts.yml");
        assertThat(mountedAt.get("/etc/prometheus/alerts.yml")).isEqualTo("./ops/alerts.yml");
        assertThat(scrape).contains("[\"connect-1:" + agent.group(2) + "\", \"connect-2:" + agent.group(2) + "\"]");

        // Grafana's provisioned data source is that Prometheus, and its dashboard provider reads the mounted dashboard.
        assertThat(Files.readString(REPOSITORY.resolve("ops/grafana/datasource.yml")))
                .contains("url: http://prometheus:9090");
        assertThat(lines).anyMatch(l -> l.contains("\"9090:9090\""));
        assertThat(Files.readString(REPOSITORY.resolve("ops/grafana/dashboards.yml")))
                .contains("path: /var/lib/grafana/dashboards");
        assertThat(mountedAt.get("/var/lib/grafana/dashboards/outboxkit-pipeline.json"))
                .isEqualTo("./ops/grafana-dashboard.json");
        new ObjectMapper()
                .readTree(REPOSITORY.resolve("ops/grafana-dashboard.json").toFile());
    }

    /**
     * The compose file's Kafka is what the shipped configs assume: three brokers that replicate every topic three
     * times and need two in-sync replicas (the transaction log too), workers with exactly-once source support, a
     * config-topic read that waits through a broker's replacement, and internal topics replicated three times; the
     * source configs require exactly-once and ask for the same replication for their topics, the sink reads
     * read_committed and replicates its dead letter queue likewise.
     */
    @Test
    void theShippedConfigsAndTheComposeFileAgreeOnAReplicatedClusterWithExactlyOnceSources() throws IOException {
        List<String> lines = compose();
        List<String> brokers = new ArrayList<>();
        Map<String, String> environment = new java.util.HashMap<>();
        Pattern setting = Pattern.compile("^\\s+([A-Z_]+): (.+)$");
        for (String line : lines) {
            Matcher service = Pattern.compile("^  (kafka-\\d+):.*$").matcher(line);
            if (service.matches()) {
                brokers.add(service.group(1));
            }
            Matcher value = setting.matcher(line);
            if (value.matches()) {
                environment.putIfAbsent(
                        value.group(1), value.group(2).replace("\"", "").strip());
            }
        }
        assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
        assertThat(environment)
                .containsEntry("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093")
                .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                .containsEntry("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false")
                .containsEntry("BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092,kafka-3:9092")
                .containsEntry("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR", "3")
                .containsEntry("CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR", "3")
                .containsEntry("CONNECT_STATUS_STORAGE_REPLICATION_FACTOR", "3")
                .containsEntry("CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT", "enabled")
                .containsEntry("CONNECT_WORKER_SYNC_TIMEOUT_MS", "30000");
        for (String source :
                List.of("mysql-outbox-source.json", "mariadb-outbox-source.json", "postgres-outbox-source.json")) {
            Map<String, String> config = shipped(source);
            assertThat(config)
                    .as(source)
                    .containsEntry("exactly.once.support", "required")
                    .containsEntry("transaction.boundary", "poll")
                    .containsEntry("topic.creation.default.replication.factor", "3")
                    .containsEntry("topic.creation.default.min.insync.replicas", "2");
            if (config.containsKey("schema.history.internal.kafka.bootstrap.servers")) {
                assertThat(config.get("schema.history.internal.kafka.bootstrap.servers"))
                        .as(source)
                        .isEqualTo(environment.get("BOOTSTRAP_SERVERS"));
            }
        }
        assertThat(shipped("mongo-log-sink.json"))
                .containsEntry("consumer.override.isolation.level", "read_committed")
                .containsEntry("errors.deadletterqueue.topic.replication.factor", "3");
    }

    private static Map<String, String> shipped(String file) throws IOException {
        return new ObjectMapper()
                .readValue(
                        REPOSITORY.resolve("connect-configs").resolve(file).toFile(),
                        new TypeReference<Map<String, String>>() {});
    }

    private static List<Path> pluginJarsHolding(String className) throws IOException {
        String entry = className.replace('.', '/') + ".class";
        List<Path> holders = new ArrayList<>();
        for (String plugin : List.of("outboxkit-outbox-router-smt", "outboxkit-mongo-log-sink")) {
            try (Stream<Path> jars = Files.list(
                    REPOSITORY.resolve("quickstart/target/connect-plugins").resolve(plugin))) {
                for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                    try (ZipFile zip = new ZipFile(jar.toFile())) {
                        if (zip.getEntry(entry) != null) {
                            holders.add(jar);
                        }
                    }
                }
            }
        }
        return holders;
    }
}
