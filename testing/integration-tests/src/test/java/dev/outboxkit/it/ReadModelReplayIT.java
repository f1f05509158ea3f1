package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.RecordingMongoBackend;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.SinkMetricsReader;

/**
 * Property 2 of the read model, through a real worker loading the shipped archives: after both sinks have stored
 * every event, their offsets are reset and everything is replayed. The read model (connect-configs/
 * mongo-read-model-sink.json) changes no document. Side by side on the same topic and the same replay, the official
 * MongoDB sink (mongo-kafka-connect 2.0.1 in a plugin directory of its own) with a replace-one upsert by aggregate
 * id: the recording MongoDB counts the documents it took back to an older version (reported, whatever it is).
 */
class ReadModelReplayIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final String TOPIC = "rm.event.Order";
    private static final int AGGREGATES = 60;
    private static final int VERSIONS = 10;
    private static final int EVENTS = AGGREGATES * VERSIONS;

    private static RecordingMongoBackend backend;
    private static MongoServer mongo;
    private static MongoClient client;
    private static ConnectStack stack;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingMongoBackend();
        mongo = new MongoServer(backend);
        InetSocketAddress address = mongo.bind();
        String uri =
                "mongodb://127.0.0.1:" + address.getPort() + "/?directConnection=true&serverSelectionTimeoutMS=2000";
        client = MongoClients.create(uri);
        System.setProperty(
                "outboxkit.test.plugins.dir",
                System.getProperty("outboxkit.test.plugins.dir", "") + "," + peerPluginDirectory());
        stack = new ConnectStack(1, Map.of("mongodb.uri", uri));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, client::close, mongo::shutdownNow);
    }

    /**
     * The official sink's plugin directory (copied by the build); its jar has no service manifest, which
     * service_load discovery needs, so a manifest jar beside it supplies one, as Kafka's connect-plugin-path tool does.
     */
    private static Path peerPluginDirectory() throws IOException {
        Path root = Path.of(System.getProperty("outboxkit.peer.plugins.dir", "target/peer-plugins"));
        Path manifest = root.resolve("mongo-kafka-connect/outboxkit-service-manifest.jar");
        if (!Files.isDirectory(manifest.getParent())) {
            throw new AssertionError("no official MongoDB sink at " + manifest.getParent() + " (the build copies it)");
        }
        if (!Files.exists(manifest)) {
            try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(manifest))) {
                jar.putNextEntry(new JarEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector"));
                jar.write("com.mongodb.kafka.connect.MongoSinkConnector\n".getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
        return root;
    }

    private static Map<String, String> peerConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "com.mongodb.kafka.connect.MongoSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics", TOPIC);
        config.put(
                "connection.uri",
                stack.shippedConfig("mongo-read-model-sink.json", Map.of()).get("connection.uri"));
        config.put("database", "peer_read_model");
        config.put("collection", "Order");
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "false");
        // The replace-one upsert by aggregate id: _id strategy projecting aggregateId, business-key replace.
        config.put("document.id.strategy", "com.mongodb.kafka.connect.sink.processor.id.strategy.PartialValueStrategy");
        config.put("document.id.strategy.partial.value.projection.type", "AllowList");
        config.put("document.id.strategy.partial.value.projection.list", "aggregateId");
        config.put(
                "writemodel.strategy",
                "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneBusinessKeyStrategy");
        return config;
    }

    @Test
    void aReplayChangesNoReadModelDocumentWhileTheOfficialSinkTakesDocumentsBack() throws Exception {
        stack.kafka().createTopic(TOPIC, 3);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers",
                stack.bootstrapServers(),
                "key.serializer",
                ByteArraySerializer.class,
                "value.serializer",
                ByteArraySerializer.class,
                "linger.ms",
                5))) {
            for (int v = 1; v <= VERSIONS; v++) {
                for (int a = 0; a < AGGREGATES; a++) {
                    String aggregate = "o-" + a;
                    RecordHeaders headers = new RecordHeaders();
                    headers.add("id", (aggregate + "-v" + v).getBytes(StandardCharsets.UTF_8));
                    headers.add("eventType", "OrderChanged".getBytes(StandardCharsets.UTF_8));
                    headers.add("aggregateType", "Order".getBytes(StandardCharsets.UTF_8));
                    headers.add("aggregateVersion", String.valueOf(v).getBytes(StandardCharsets.UTF_8));
                    String payload =
                            "{\"aggregateId\":\"" + aggregate + "\",\"version\":" + v + ",\"status\":\"s" + v + "\"}";
                    // One at a time, each acknowledged before the next: versions reach the partition in order, and
                    // a send that fails (seen once on a loaded machine: a retried first batch refused as out of
                    // sequence) fails the test here rather than leaving the topic short.
                    producer.send(new ProducerRecord<>(
                                    TOPIC,
                                    null,
                                    aggregate.getBytes(StandardCharsets.UTF_8),
                                    payload.getBytes(StandardCharsets.UTF_8),
                                    headers))
                            .get();
                }
            }
            producer.flush();
        }
        Map<String, String> ours = stack.shippedConfig(
                "mongo-read-model-sink.json",
                Map.of("topics.regex", "rm\\.event\\..*", "database", "rm_read_model", "tasks.max", "1"));
        stack.put("rm-latest", ours);
        stack.put("rm-peer", peerConfig());
        stack.awaitRunning("rm-latest", 1, TIMEOUT);
        stack.awaitRunning("rm-peer", 1, TIMEOUT);
        stack.awaitOffsetsAtEnd("rm-latest", TIMEOUT, TOPIC);
        stack.awaitOffsetsAtEnd("rm-peer", TIMEOUT, TOPIC);
        assertEveryAggregateAtTheLastVersion("rm_read_model", "Order");
        assertEveryAggregateAtTheLastVersion("peer_read_model", "Order");
        assertThat(SinkMetricsReader.sum("rm-latest", "RecordsWritten")
                        + SinkMetricsReader.sum("rm-latest", "DuplicatesSkipped"))
                .isEqualTo(EVENTS);
        Map<Object, Document> before = documents("rm_read_model", "Order");

        backend.startRecording();
        for (String connector : List.of("rm-latest", "rm-peer")) {
            stack.cluster().stopConnector(connector);
            Wait.until(
                    connector + " is STOPPED",
                    TIMEOUT,
                    () -> "STOPPED".equals(stack.status(connector).connector().state()));
            stack.cluster().resetConnectorOffsets(connector);
        }
        for (String connector : List.of("rm-latest", "rm-peer")) {
            stack.cluster().resumeConnector(connector);
            stack.awaitRunning(connector, 1, TIMEOUT);
        }
        // The resumed task is a new task with new counters.
        Wait.until(
                "the read model sink has replayed all " + EVENTS + " events",
                TIMEOUT,
                () -> SinkMetricsReader.sum("rm-latest", "DuplicatesSkipped")
                                + SinkMetricsReader.sum("rm-latest", "RecordsWritten")
                        >= EVENTS,
                () -> "skipped " + SinkMetricsReader.sum("rm-latest", "DuplicatesSkipped") + ", written "
                        + SinkMetricsReader.sum("rm-latest", "RecordsWritten"));
        stack.awaitOffsetsAtEnd("rm-latest", TIMEOUT, TOPIC);
        Wait.until(
                "the official sink has replayed all " + EVENTS + " events",
                TIMEOUT,
                () -> backend.statements("peer_read_model.Order") >= EVENTS,
                () -> "statements " + backend.statements("peer_read_model.Order"));
        stack.awaitOffsetsAtEnd("rm-peer", TIMEOUT, TOPIC);

        int oursChanged = backend.changed("rm_read_model.Order").size();
        int oursBack = backend.wentBack("rm_read_model.Order").size();
        int peerChanged = backend.changed("peer_read_model.Order").size();
        int peerBack = backend.wentBack("peer_read_model.Order").size();
        System.out.printf(
                "READ MODEL REPLAY (%d aggregates x %d versions, %d events replayed): outboxkit latest:"
                        + " %d update statements, %d documents changed, %d went back to an older version; official sink"
                        + " replace-one upsert: %d update statements, %d documents changed, %d went back to an older version%n",
                AGGREGATES,
                VERSIONS,
                EVENTS,
                backend.statements("rm_read_model.Order"),
                oursChanged,
                oursBack,
                backend.statements("peer_read_model.Order"),
                peerChanged,
                peerBack);
        assertThat(SinkMetricsReader.sum("rm-latest", "RecordsWritten"))
                .as("read model documents written by the replay")
                .isZero();
        assertThat(SinkMetricsReader.sum("rm-latest", "DuplicatesSkipped")).isEqualTo(EVENTS);
        assertThat(oursChanged).as("read model documents changed by the replay").isZero();
        assertThat(oursBack).isZero();
        assertThat(documents("rm_read_model", "Order")).isEqualTo(before);
        assertEveryAggregateAtTheLastVersion("peer_read_model", "Order");
    }

    private static void assertEveryAggregateAtTheLastVersion(String database, String collection) {
        Map<Object, Document> documents = documents(database, collection);
        assertThat(documents).as(database).hasSize(AGGREGATES);
        for (Document document : documents.values()) {
            Object version = document.containsKey("payload") ? document.get("version") : document.get("version");
            assertThat(((Number) version).longValue())
                    .as(database + " " + document.get("aggregateId"))
                    .isEqualTo(VERSIONS);
        }
    }

    private static Map<Object, Document> documents(String database, String collection) {
        Map<Object, Document> documents = new HashMap<>();
        client.getDatabase(database)
                .getCollection(collection)
                .find()
                .forEach(doc -> documents.put(doc.get("_id"), doc));
        return documents;
    }
}
