package dev.outboxkit.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.ShippedConfigs;
import jakarta.ws.rs.core.Response;

/**
 * A KRaft broker and a Kafka Connect cluster in this JVM (Kafka's own {@link EmbeddedConnectCluster}), with
 * {@code plugin.path} holding the plugin directories unpacked from the shipped archives plus one directory per
 * Debezium connector, and {@code plugin.discovery=service_load}. Connectors are registered from the files in
 * {@code connect-configs/} through the REST API, with secrets through the file config provider, as users do.
 */
public final class ConnectStack implements AutoCloseable {

    /** The path the shipped configs name for their secrets; the harness swaps in its own file. */
    public static final String SHIPPED_SECRETS_PATH = ShippedConfigs.SHIPPED_SECRETS_PATH;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static int clusters;

    private final EmbeddedConnectCluster connect;
    private final Path secrets;
    private final Map<String, String> workerProps;

    public ConnectStack(int workers, Map<String, String> secretValues) {
        this(workers, secretValues, Map.of());
    }

    public ConnectStack(int workers, Map<String, String> secretValues, Map<String, String> extraWorkerProps) {
        secrets = writeSecrets(secretValues);
        Map<String, String> worker = new HashMap<>();
        String testPlugins = System.getProperty("outboxkit.test.plugins.dir");
        worker.put("plugin.path", pluginsDir() + (testPlugins == null ? "" : "," + testPlugins));
        worker.put("plugin.discovery", "service_load");
        worker.put("config.providers", "file");
        worker.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        worker.put("offset.flush.interval.ms", "500");
        worker.put("scheduled.rebalance.max.delay.ms", "2000");
        worker.put("consumer.metadata.max.age.ms", "1000");
        // The shipped source configs require exactly-once source support (a worker without it refuses them).
        worker.put("exactly.once.source.support", "enabled");
        worker.putAll(extraWorkerProps);
        workerProps = Map.copyOf(worker);
        java.util.Properties broker = new java.util.Properties();
        // Room for the 17 MB poison event and its dead-letter copy.
        broker.put("message.max.bytes", "20971520");
        // One broker: the transaction log the exactly-once source tasks write through has one replica.
        broker.put("transaction.state.log.replication.factor", "1");
        broker.put("transaction.state.log.min.isr", "1");
        connect = new EmbeddedConnectCluster.Builder()
                .name("outboxkit-it-" + (++clusters))
                .numWorkers(workers)
                .workerProps(worker)
                .brokerProps(broker)
                .build();
        connect.start();
    }

    /**
     * The settings this stack gives its workers (before the embedded cluster adds the broker's address and its
     * defaults): what a worker of the same group in a process of its own needs, besides those.
     */
    public Map<String, String> workerProps() {
        return workerProps;
    }

    public static Path pluginsDir() {
        return Path.of(System.getProperty("outboxkit.plugins.dir", "target/connect-plugins"));
    }

    public static Path configsDir() {
        return Path.of(System.getProperty("outboxkit.connect.configs", "../../connect-configs"));
    }

    public EmbeddedConnectCluster cluster() {
        return connect;
    }

    public EmbeddedKafkaCluster kafka() {
        return connect.kafka();
    }

    public String bootstrapServers() {
        return connect.kafka().bootstrapServers();
    }

    /**
     * A shipped config file from {@code connect-configs/}, with the harness's secrets file in place of the
     * shipped path and the given overrides (a null value removes the key).
     */
    public Map<String, String> shippedConfig(String file, Map<String, String> overrides) {
        Map<String, String> config = ShippedConfigs.render(configsDir(), file, secrets, overrides);
        // The shipped configs are for a three-broker cluster (replication factor 3, two in-sync replicas); the
        // embedded cluster has one broker. A test's own override of these keys wins.
        for (String key : List.of(
                "topic.creation.default.replication.factor",
                "topic.creation.default.min.insync.replicas",
                "errors.deadletterqueue.topic.replication.factor")) {
            if (!overrides.containsKey(key)) {
                config.computeIfPresent(key, (k, v) -> "1");
            }
        }
        return config;
    }

    /** PUT /connectors/{name}/config, the REST upsert; fails with the worker's answer when it is not 200/201. */
    public void put(String name, Map<String, String> config) {
        String body;
        try {
            body = JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Response response = connect.requestPut(connect.endpointForResource("connectors/" + name + "/config"), body);
        int status = response.getStatus();
        if (status != 200 && status != 201) {
            throw new AssertionError(
                    "PUT /connectors/" + name + "/config answered " + status + ": " + response.getEntity());
        }
    }

    /** PUT /connector-plugins/{class}/config/validate: the HTTP status and the parsed answer. */
    public ValidationAnswer validate(Map<String, String> config) {
        String pluginClass = config.get("connector.class");
        String body;
        try {
            body = JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Response response = connect.requestPut(
                connect.endpointForResource("connector-plugins/" + pluginClass + "/config/validate"), body);
        Object entity = response.getEntity();
        return new ValidationAnswer(response.getStatus(), entity == null ? "" : entity.toString());
    }

    public ConnectorStateInfo status(String name) {
        return connect.connectorStatus(name);
    }

    public void awaitRunning(String name, int tasks, Duration timeout) {
        Wait.until(
                "connector " + name + " and " + tasks + " task(s) are RUNNING",
                timeout,
                () -> {
                    ConnectorStateInfo info = connect.connectorStatus(name);
                    return info != null
                            && "RUNNING".equals(info.connector().state())
                            && info.tasks().size() == tasks
                            && info.tasks().stream().allMatch(task -> "RUNNING".equals(task.state()));
                },
                () -> describe(name));
    }

    /** Waits until a task of the connector has FAILED and returns its trace. */
    public String awaitTaskFailed(String name, Duration timeout) {
        Wait.until(
                "a task of connector " + name + " has FAILED",
                timeout,
                () -> connect.connectorStatus(name).tasks().stream().anyMatch(task -> "FAILED".equals(task.state())),
                () -> describe(name));
        return connect.connectorStatus(name).tasks().stream()
                .filter(task -> "FAILED".equals(task.state()))
                .findFirst()
                .orElseThrow()
                .trace();
    }

    /** GET /connectors/{name}/offsets of a sink connector: the committed offset of each topic partition. */
    public Map<TopicPartition, Long> committedOffsets(String connector) {
        Map<TopicPartition, Long> committed = new TreeMap<>(BY_TOPIC_AND_PARTITION);
        for (ConnectorOffset offset : connect.connectorOffsets(connector).offsets()) {
            TopicPartition partition = new TopicPartition(
                    (String) offset.partition().get("kafka_topic"),
                    ((Number) offset.partition().get("kafka_partition")).intValue());
            committed.put(partition, ((Number) offset.offset().get("kafka_offset")).longValue());
        }
        return committed;
    }

    /** The end offset of every partition of the topics. */
    public Map<TopicPartition, Long> endOffsets(String... topics) {
        Map<TopicPartition, Long> ends = new TreeMap<>(BY_TOPIC_AND_PARTITION);
        connect.kafka()
                .describeTopics(topics)
                .forEach((topic, description) -> description
                        .orElseThrow(() -> new AssertionError("no topic " + topic))
                        .partitions()
                        .forEach(info -> {
                            TopicPartition partition = new TopicPartition(topic, info.partition());
                            try {
                                ends.put(partition, connect.kafka().endOffset(partition));
                            } catch (Exception e) {
                                throw new IllegalStateException("Cannot read the end offset of " + partition, e);
                            }
                        }));
        return ends;
    }

    /**
     * Waits until the sink connector's committed offsets, as the REST API reports them, leave no record behind: on
     * every partition, including partitions whose records were filtered or skipped, the committed offset is the end
     * offset, or only transaction markers lie between them (the exactly-once sources end each transaction with a
     * marker, which is not a record: a sink commits the offset after its last record, before the marker).
     */
    public void awaitOffsetsAtEnd(String connector, Duration timeout, String... topics) {
        Wait.until(
                "the committed offsets of " + connector + " reach the end of " + String.join(", ", topics),
                timeout,
                () -> lagIsZero(committedOffsets(connector), endOffsets(topics)),
                () -> "committed " + committedOffsets(connector) + ", end offsets " + endOffsets(topics));
    }

    /** No record past the committed offset of any partition (an empty partition needs no commit). */
    private boolean lagIsZero(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Long> behind = new HashMap<>();
        ends.forEach((partition, end) -> {
            long at = committed.getOrDefault(partition, 0L);
            if (at != end) {
                behind.put(partition, at);
            }
        });
        return behind.isEmpty() || recordsBetween(behind, ends) == 0;
    }

    /** What a read_committed consumer gets between these offsets and the partitions' end offsets. */
    private long recordsBetween(Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrapServers());
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(props)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            long records = 0;
            long deadline = System.currentTimeMillis() + 10_000;
            while (from.keySet().stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                if (System.currentTimeMillis() > deadline) {
                    return Long.MAX_VALUE; // an open transaction holds the reading back: not yet
                }
                records += consumer.poll(Duration.ofMillis(200)).count();
            }
            return records;
        }
    }

    private static final java.util.Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
            java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public String describe(String name) {
        try {
            ConnectorStateInfo info = connect.connectorStatus(name);
            StringBuilder text =
                    new StringBuilder("connector ").append(info.connector().state());
            info.tasks()
                    .forEach(task -> text.append(", task ")
                            .append(task.id())
                            .append(' ')
                            .append(task.state())
                            .append(
                                    task.trace() == null
                                            ? ""
                                            : " ("
                                                    + task.trace()
                                                            .lines()
                                                            .findFirst()
                                                            .orElse("") + ")"));
            return text.toString();
        } catch (RuntimeException e) {
            return "no status for " + name + ": " + e.getMessage();
        }
    }

    @Override
    public void close() {
        connect.stop();
        try {
            Files.deleteIfExists(secrets);
        } catch (IOException e) {
            // A temp file; the OS cleans up.
        }
    }

    private static Path writeSecrets(Map<String, String> values) {
        try {
            Path file = Files.createTempFile("outboxkit-secrets", ".properties");
            Properties properties = new Properties();
            properties.putAll(values);
            try (var out = Files.newOutputStream(file)) {
                properties.store(out, "secrets for the pipeline tests");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the validate endpoint answered. */
    public record ValidationAnswer(int status, String body) {}
}
