package dev.outboxkit.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.ConnectRest;
import dev.outboxkit.testkit.connect.ShippedConfigs;

/**
 * The connectors of one stack, registered through the REST API. outboxkit: the shipped connect-configs (Debezium's
 * MariaDB source with OutboxEventRouter, and the MongoDB log sink), pointed at this run's proxies. The peer stack:
 * the same Debezium source with Debezium's own EventRouter, which carries the event id into the value as {@code _id}
 * (an envelope placement), and the official MongoDB sink in its most idempotent setup: the id taken from the value
 * ({@code ProvidedInValueStrategy}) and written with replace-one upserts ({@code ReplaceOneDefaultStrategy}), so
 * that a redelivered event rewrites the same document instead of adding one. The polling stack: outboxkit's polling
 * source (the shipped {@code *-outbox-polling.json}, which chains the same OutboxEventRouter on the rows) reading the
 * outbox table created from the shipped polling DDL, over JDBC through the same database proxy, and outboxkit's sink.
 */
public final class Stack {

    public static final String SOURCE = "chaos-source";
    public static final String SINK = "chaos-sink";
    public static final String MONGO_DATABASE = "chaos_events";
    public static final String DLQ = "chaos.dlq";
    public static final List<String> TOPICS =
            List.of("outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
    /** The stacks, in the order the commands name them. */
    public static final List<String> NAMES = List.of("outboxkit", "polling", "peer");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Map<String, String> source;
    private final Map<String, String> sink;

    private Stack(String name, Map<String, String> source, Map<String, String> sink) {
        this.name = name;
        this.source = source;
        this.sink = sink;
    }

    public static Stack of(String name, Path repository, Cluster cluster) {
        Path secrets = cluster.runDirectory().resolve("secrets.properties");
        Properties values = new Properties();
        values.put("mariadb.password", cluster.database().password());
        values.put("postgres.password", cluster.database().password());
        values.put("mongodb.uri", cluster.proxiedMongoUri());
        try (var out = Files.newOutputStream(secrets)) {
            values.store(out, "chaos run secrets");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("--stack must be one of " + NAMES + ", not " + name);
        }
        Map<String, String> source = polls(name)
                ? pollingSource(repository, cluster, secrets)
                : debeziumSource(repository, cluster, secrets);
        source.put("topic.prefix", "chaos");
        String replication = Integer.toString(cluster.kafka().replicationFactor());
        String minIsr = Integer.toString(cluster.kafka().minInsyncReplicas());
        source.put("topic.creation.default.replication.factor", replication);
        source.put("topic.creation.default.min.insync.replicas", minIsr);
        source.put("topic.creation.default.partitions", "3");
        Map<String, String> sink = shipped(repository, "mongo-log-sink.json", secrets);
        sink.put("database", MONGO_DATABASE);
        sink.put("errors.deadletterqueue.topic.name", DLQ);
        sink.put("errors.deadletterqueue.topic.replication.factor", replication);
        sink.put("tasks.max", "2");
        if (!name.equals("peer")) {
            return new Stack(name, source, sink);
        }
        source.remove("transforms.outbox.provenance.headers");
        source.put("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        source.put("transforms.outbox.table.fields.additional.placement", "type:header:eventType,id:envelope:_id");
        source.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        source.put("value.converter.schemas.enable", "false");
        Map<String, String> peerSink = new LinkedHashMap<>();
        peerSink.put("connector.class", "com.mongodb.kafka.connect.MongoSinkConnector");
        peerSink.put("tasks.max", "2");
        peerSink.put("topics.regex", sink.get("topics.regex"));
        peerSink.put("connection.uri", sink.get("connection.uri"));
        peerSink.put("database", MONGO_DATABASE);
        peerSink.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        peerSink.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        peerSink.put("value.converter.schemas.enable", "false");
        peerSink.put(
                "document.id.strategy", "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy");
        peerSink.put(
                "writemodel.strategy", "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneDefaultStrategy");
        // The Kafka position of each stored event, for the checker's order check in MongoDB.
        peerSink.put(
                "post.processor.chain",
                "com.mongodb.kafka.connect.sink.processor.DocumentIdAdder,"
                        + "com.mongodb.kafka.connect.sink.processor.KafkaMetaAdder");
        peerSink.put("errors.tolerance", "all");
        peerSink.put("errors.deadletterqueue.topic.name", DLQ);
        peerSink.put("errors.deadletterqueue.topic.replication.factor", replication);
        peerSink.put("errors.deadletterqueue.context.headers.enable", "true");
        peerSink.put("errors.log.enable", "true");
        // The same consumer settings as the shipped sink, so that only the sink itself differs.
        sink.forEach((key, value) -> {
            if (key.startsWith("consumer.override.")) {
                peerSink.put(key, value);
            }
        });
        return new Stack(name, source, peerSink);
    }

    /** Whether the stack reads the outbox by polling (and so needs the polling DDL's table), not from the log. */
    public static boolean polls(String name) {
        return name.equals("polling");
    }

    private static Map<String, String> debeziumSource(Path repository, Cluster cluster, Path secrets) {
        Map<String, String> source;
        if (cluster.database().isPostgres()) {
            source = shipped(repository, "postgres-outbox-source.json", secrets);
            source.put("database.dbname", Cluster.DATABASE);
            source.put("table.include.list", "public\\.outbox");
            source.put("slot.name", "chaos_slot");
            source.put("publication.name", "chaos_publication");
        } else {
            source = shipped(repository, "mariadb-outbox-source.json", secrets);
            source.put("database.server.id", "7001");
            source.put("database.include.list", Cluster.DATABASE);
            source.put("table.include.list", Cluster.DATABASE + "\\.outbox");
            source.put(
                    "schema.history.internal.kafka.bootstrap.servers",
                    cluster.kafka().bootstrapServers());
            source.put("schema.history.internal.kafka.topic", "chaos.schema-history");
        }
        source.put("database.hostname", "127.0.0.1");
        source.put("database.port", Integer.toString(cluster.databaseProxy().port()));
        source.put("database.user", cluster.database().user());
        return source;
    }

    /**
     * The shipped polling config, its JDBC URL pointed at the database proxy (so that a database restart and a cut hit
     * its connection as they hit Debezium's). The runs check exactly-once onto Kafka, so they require it: a worker
     * that could not give it fails the connector instead of running at least once ("requested", as shipped).
     */
    private static Map<String, String> pollingSource(Path repository, Cluster cluster, Path secrets) {
        boolean postgres = cluster.database().isPostgres();
        Map<String, String> source =
                shipped(repository, postgres ? "postgres-outbox-polling.json" : "mariadb-outbox-polling.json", secrets);
        source.put(
                "connection.url",
                (postgres ? "jdbc:postgresql://" : "jdbc:mariadb://") + "127.0.0.1:"
                        + cluster.databaseProxy().port() + "/" + Cluster.DATABASE);
        source.put("connection.user", cluster.database().user());
        source.put("tables", postgres ? "public.outbox" : Cluster.DATABASE + ".outbox");
        source.put("exactly.once.support", "required");
        return source;
    }

    private static Map<String, String> shipped(Path repository, String file, Path secrets) {
        return ShippedConfigs.render(repository.resolve("connect-configs"), file, secrets, Map.of());
    }

    /** Sets one more setting on the source connector (the benchmark's topic timestamps, for instance). */
    public Stack withSourceSetting(String key, String value) {
        source.put(key, value);
        return this;
    }

    /** Sets one more setting on the sink connector. */
    public Stack withSinkSetting(String key, String value) {
        sink.put(key, value);
        return this;
    }

    /** A copy of the sink connector's settings as they stand, for a benchmark that re-registers the sink alone. */
    public Map<String, String> sinkConfig() {
        return new LinkedHashMap<>(sink);
    }

    public void register(ConnectRest rest) {
        rest.putConfig(SOURCE, source);
        Wait.until(SOURCE + " and its task are RUNNING", Duration.ofSeconds(180), () -> rest.allRunning(SOURCE));
        rest.putConfig(SINK, sink);
        Wait.until(SINK + " and its tasks are RUNNING", Duration.ofSeconds(180), () -> rest.allRunning(SINK));
    }

    public String name() {
        return name;
    }

    /** The consumer group the worker gives the sink connector. */
    public static String sinkGroup() {
        return "connect-" + SINK;
    }
}
