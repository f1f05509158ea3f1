package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.BASE_TIMESTAMP;
import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;

import dev.outboxkit.mongo.testing.TestSinkContext;
import dev.outboxkit.testkit.mongo.MongoTestServer;

class MongoLogSinkTaskTest {

    private static final String ORDER_TOPIC = "outbox.event.Order";
    private static final MongoTestServer mongo = MongoTestServer.shared();

    private final List<MongoLogSinkTask> started = new ArrayList<>();
    private String database;

    @AfterEach
    void stopTasks() {
        started.forEach(MongoLogSinkTask::stop);
    }

    private MongoLogSinkTask startTask(TestSinkContext context, String... overrides) {
        database = MongoTestServer.uniqueDatabase("sinktask");
        Map<String, String> props = new HashMap<>();
        props.put("name", "test-sink");
        props.put("connection.uri", mongo.uri());
        props.put("database", database);
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        MongoLogSinkTask task = new MongoLogSinkTask();
        task.initialize(context);
        task.start(props);
        started.add(task);
        return task;
    }

    private MongoCollection<Document> collection(String name) {
        return mongo.client().getDatabase(database).getCollection(name);
    }

    private List<Object> storedIds(String collection) {
        List<Object> ids = new ArrayList<>();
        collection(collection).find().sort(Sorts.ascending("_id")).forEach(doc -> ids.add(doc.get("_id")));
        return ids;
    }

    @Test
    void storesEachEventWithIdMetadataAndPayloadAsADocument() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false));

        task.put(List.of(event("Order", 2, 41, "ev-1", "order-7", "OrderCreated", "{\"orderId\":7,\"total\":9.5}")));

        Document stored = collection(ORDER_TOPIC).find().first();
        assertThat(stored).isNotNull();
        assertThat(stored.get("_id")).isEqualTo("ev-1");
        assertThat(stored.get("aggregateType")).isEqualTo("Order");
        assertThat(stored.get("aggregateId")).isEqualTo("order-7");
        assertThat(stored.get("eventType")).isEqualTo("OrderCreated");
        assertThat(stored.get("timestamp")).isEqualTo(new Date(BASE_TIMESTAMP + 41));
        assertThat(stored.get("kafka", Document.class))
                .isEqualTo(new Document("topic", ORDER_TOPIC)
                        .append("partition", 2)
                        .append("offset", 41L));
        assertThat(stored.get("payload", Document.class)).isEqualTo(new Document("orderId", 7).append("total", 9.5));
        assertThat(stored.keySet())
                .containsExactly("_id", "aggregateType", "aggregateId", "eventType", "timestamp", "kafka", "payload");
    }

    @Test
    void duplicatesWithinABatchAcrossBatchesAndOnReplayChangeNothing() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false));
        List<SinkRecord> first = List.of(
                event("Order", 0, 0, "ev-1", "o-1", "OrderCreated", "{\"v\":1}"),
                event("Order", 0, 1, "ev-2", "o-1", "OrderPaid", "{\"v\":1}"),
                event("Order", 0, 2, "ev-1", "o-1", "OrderCreated", "{\"v\":\"redelivered\"}"));

        task.put(first);
        task.put(List.of(
                event("Order", 0, 3, "ev-2", "o-1", "OrderPaid", "{\"v\":\"republished\"}"),
                event("Order", 0, 4, "ev-3", "o-1", "OrderShipped", "{\"v\":1}")));
        task.put(first);

        assertThat(storedIds(ORDER_TOPIC)).containsExactly("ev-1", "ev-2", "ev-3");
        assertThat(collection(ORDER_TOPIC)
                        .find(new Document("_id", "ev-1"))
                        .first()
                        .get("payload", Document.class))
                .isEqualTo(new Document("v", 1));
        assertThat(collection(ORDER_TOPIC)
                        .find(new Document("_id", "ev-2"))
                        .first()
                        .get("payload", Document.class))
                .isEqualTo(new Document("v", 1));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterQueueWhileTheRestOfTheBatchIsStored() {
        TestSinkContext context = new TestSinkContext(true);
        MongoLogSinkTask task = startTask(context);
        byte[] tooLarge = new byte[17 * 1024 * 1024];

        task.put(List.of(
                event("Order", 0, 10, "ev-10", "o-1", "OrderCreated", "{\"ok\":1}"),
                event("Order", 0, 11, null, "o-1", "OrderCreated", "{\"no\":\"id\"}"),
                event("Order", 0, 12, "ev-12", "o-1", "OrderCreated", "{\"broken\":"),
                event(ORDER_TOPIC, 0, 13, "ev-13", "o-1", "Huge", Schema.BYTES_SCHEMA, tooLarge),
                event("Order", 0, 14, "ev-14", "o-1", "OrderCreated", "{\"ok\":2}")));

        assertThat(storedIds(ORDER_TOPIC)).containsExactly("ev-10", "ev-14");
        assertThat(context.reported()).extracting(r -> r.record().kafkaOffset()).containsExactly(11L, 12L, 13L);
        assertThat(context.reported())
                .extracting(r -> r.error().getMessage())
                .containsExactly(
                        "Record outbox.event.Order-0@11 cannot be stored: the record has no event id (option event.id.sources = [header:id])",
                        "Record outbox.event.Order-0@12 cannot be stored: the payload looks like JSON but does not parse (line 1, column 11)",
                        "Record outbox.event.Order-0@13 cannot be stored: the event document is 17825984 bytes, over MongoDB's limit"
                                + " of 16777216 bytes");
    }

    @Test
    void whenTheDeadLetterQueueDoesNotTakeARecordTheTaskStopsNamingItAndCommitsNothingPastIt() {
        TestSinkContext context = new TestSinkContext(true);
        MongoLogSinkTask task = startTask(context);
        task.put(List.of(event("Order", 0, 10, "ev-10", "o-1", "OrderCreated", "{\"ok\":0}")));
        context.failDeadLetterQueue(
                new org.apache.kafka.common.errors.TimeoutException("Topic outbox.dlq not present in metadata"));

        assertThatThrownBy(() -> task.put(List.of(
                        event("Order", 0, 11, "ev-11", "o-1", "OrderCreated", "{\"ok\":1}"),
                        event("Order", 0, 12, null, "o-1", "OrderCreated", "{\"no\":\"id\"}"),
                        event("Order", 0, 13, "ev-13", "o-1", "OrderCreated", "{\"ok\":2}"))))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(org.apache.kafka.connect.errors.RetriableException.class)
                .hasMessage(
                        "The dead letter queue did not take a record (Record outbox.event.Order-0@12 cannot be stored: the"
                                + " record has no event id (option event.id.sources = [header:id])); stopping, so that no offset is"
                                + " committed past it")
                .hasRootCauseMessage("Topic outbox.dlq not present in metadata");
        assertThat(context.reported()).extracting(r -> r.record().kafkaOffset()).containsExactly(12L);

        // The worker may offer the whole batch's offsets: the commit stays before it (the batch is redelivered).
        var partition = new org.apache.kafka.common.TopicPartition(ORDER_TOPIC, 0);
        assertThat(task.preCommit(Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(14))))
                .isEqualTo(Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(11)));
        // Stored before the dead letter queue was asked: a redelivery finds them as duplicates.
        assertThat(storedIds(ORDER_TOPIC)).containsExactly("ev-10", "ev-11", "ev-13");
    }

    @Test
    void withoutADeadLetterQueueAPoisonRecordFailsTheTaskNamingItsPlace() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false));

        assertThatThrownBy(() ->
                        task.put(List.of(event("Order", 3, 77, null, "o-1", "OrderCreated", "{\"card\":\"4111\"}"))))
                .isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("Record outbox.event.Order-3@77 cannot be stored: the record has no event id")
                .hasMessageContaining("errors.tolerance=all")
                .hasMessageNotContaining("4111");
    }

    @Test
    void payloadsOfEveryShapeBecomeBson() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false));
        Schema lineSchema = SchemaBuilder.struct()
                .field("sku", Schema.STRING_SCHEMA)
                .field("qty", Schema.INT32_SCHEMA)
                .build();
        Schema structSchema = SchemaBuilder.struct()
                .field("orderId", Schema.INT64_SCHEMA)
                .field("lines", SchemaBuilder.array(lineSchema).build())
                .build();
        Struct struct = new Struct(structSchema)
                .put("orderId", 7L)
                .put("lines", List.of(new Struct(lineSchema).put("sku", "A").put("qty", 2)));

        task.put(List.of(
                event(ORDER_TOPIC, 0, 0, "struct", "o-1", "T", structSchema, struct),
                event(ORDER_TOPIC, 0, 1, "map", "o-1", "T", null, Map.of("orderId", 8)),
                event(
                        ORDER_TOPIC,
                        0,
                        2,
                        "json-bytes",
                        "o-1",
                        "T",
                        Schema.BYTES_SCHEMA,
                        " {\"orderId\":9}".getBytes(StandardCharsets.UTF_8)),
                event(ORDER_TOPIC, 0, 3, "binary", "o-1", "T", Schema.BYTES_SCHEMA, new byte[] {(byte) 0xFF, 2, 3}),
                event(
                        ORDER_TOPIC,
                        0,
                        7,
                        "utf8-text-bytes",
                        "o-1",
                        "T",
                        Schema.BYTES_SCHEMA,
                        "café".getBytes(StandardCharsets.UTF_8)),
                event(ORDER_TOPIC, 0, 4, "array", "o-1", "T", Schema.STRING_SCHEMA, "[1,2,3]"),
                event(ORDER_TOPIC, 0, 5, "text", "o-1", "T", Schema.STRING_SCHEMA, "plain text"),
                event(ORDER_TOPIC, 0, 6, "tombstone", "o-1", "T", null, null)));

        Map<Object, Object> payloads = new HashMap<>();
        collection(ORDER_TOPIC).find().forEach(doc -> payloads.put(doc.get("_id"), doc.get("payload")));
        assertThat(payloads.get("struct"))
                .isEqualTo(new Document("orderId", 7L)
                        .append("lines", List.of(new Document("sku", "A").append("qty", 2))));
        assertThat(payloads.get("map")).isEqualTo(new Document("orderId", 8));
        assertThat(payloads.get("json-bytes")).isEqualTo(new Document("orderId", 9));
        assertThat(payloads.get("binary")).isEqualTo(new Binary(new byte[] {(byte) 0xFF, 2, 3}));
        assertThat(payloads.get("utf8-text-bytes"))
                .as("bytes that are UTF-8 text are that text")
                .isEqualTo("café");
        assertThat(payloads.get("array")).isEqualTo(List.of(1, 2, 3));
        assertThat(payloads.get("text")).isEqualTo("plain text");
        assertThat(payloads).containsEntry("tombstone", null).hasSize(8);
    }

    @Test
    void mergedPayloadStandsAtTheTopLevelAndACollidingFieldIsReported() {
        TestSinkContext context = new TestSinkContext(true);
        MongoLogSinkTask task = startTask(context, "payload.mode", "merged");

        task.put(List.of(
                event("Order", 0, 0, "ev-1", "o-1", "OrderCreated", "{\"orderId\":7}"),
                event("Order", 0, 1, "ev-2", "o-1", "OrderCreated", "{\"timestamp\":\"mine\"}")));

        Document stored = collection(ORDER_TOPIC).find().first();
        assertThat(stored.get("orderId")).isEqualTo(7);
        assertThat(stored.containsKey("payload")).isFalse();
        assertThat(stored.get("aggregateId")).isEqualTo("o-1");
        assertThat(context.reported())
                .singleElement()
                .extracting(r -> r.error().getMessage())
                .isEqualTo(
                        "Record outbox.event.Order-0@1 cannot be stored: payload field 'timestamp' collides with the metadata field"
                                + " of that name (option payload.mode=merged)");
    }

    @Test
    void replaceModeKeepsTheLatestVersionOfEachEventInRecordOrder() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false), "write.mode", "replace");

        task.put(List.of(
                event("Order", 0, 0, "ev-1", "o-1", "T", "{\"v\":1}"),
                event("Order", 0, 1, "ev-1", "o-1", "T", "{\"v\":2}"),
                event("Order", 0, 2, "ev-1", "o-1", "T", "{\"v\":3}")));
        task.put(List.of(event("Order", 0, 3, "ev-1", "o-1", "T", "{\"v\":4}")));

        assertThat(storedIds(ORDER_TOPIC)).containsExactly("ev-1");
        Document stored = collection(ORDER_TOPIC).find().first();
        assertThat(stored.get("payload", Document.class)).isEqualTo(new Document("v", 4));
        assertThat(stored.get("kafka", Document.class).get("offset")).isEqualTo(3L);
    }

    @Test
    void collectionTemplateRoutesByAggregateTypeAndIndexesAreCreated() {
        MongoLogSinkTask task =
                startTask(new TestSinkContext(false), "collection", "events_${aggregateType}", "ttl.seconds", "86400");

        task.put(List.of(
                event("Order", 0, 0, "ev-1", "o-1", "T", "{}"), event("Customer", 0, 0, "ev-2", "c-1", "T", "{}")));

        assertThat(storedIds("events_Order")).containsExactly("ev-1");
        assertThat(storedIds("events_Customer")).containsExactly("ev-2");
        List<String> indexes = new ArrayList<>();
        collection("events_Order").listIndexes().forEach(index -> indexes.add(index.getString("name")));
        assertThat(indexes).contains("_id_", "aggregateId_timestamp", "timestamp_ttl");
        Document ttl = new Document();
        collection("events_Order").listIndexes().forEach(index -> {
            if ("timestamp_ttl".equals(index.getString("name"))) {
                ttl.putAll(index);
            }
        });
        assertThat(((Number) ttl.get("expireAfterSeconds")).longValue()).isEqualTo(86_400L);
    }

    @Test
    void withoutAnAggregateTypeHeaderTheTopicGivesEverythingAfterTheRoutingPrefixSoNamespacesNeverMerge() {
        MongoLogSinkTask task = startTask(new TestSinkContext(false), "collection", "events_${aggregateType}");

        task.put(List.of(
                event("outbox.event.com.acme.Order", 0, 0, "ev-1", "o-1", "T", Schema.STRING_SCHEMA, "{}"),
                event("outbox.event.net.other.Order", 0, 0, "ev-2", "o-1", "T", Schema.STRING_SCHEMA, "{}"),
                event("orders", 0, 0, "ev-3", "o-1", "T", Schema.STRING_SCHEMA, "{}")));

        assertThat(storedIds("events_com.acme.Order")).containsExactly("ev-1");
        assertThat(storedIds("events_net.other.Order")).containsExactly("ev-2");
        assertThat(storedIds("events_orders")).containsExactly("ev-3");
        assertThat(collection("events_com.acme.Order").find().first().get("aggregateType"))
                .isEqualTo("com.acme.Order");
    }

    @Test
    void eventIdMayComeFromTheValueOrTheKey() {
        MongoLogSinkTask task =
                startTask(new TestSinkContext(false), "event.id.sources", "header:missing,value:meta.eventId,key");

        task.put(List.of(
                event(ORDER_TOPIC, 0, 0, null, "o-1", "T", null, Map.of("meta", Map.of("eventId", "from-value"))),
                event(ORDER_TOPIC, 0, 1, null, "from-key", "T", null, Map.of("x", 1))));

        assertThat(storedIds(ORDER_TOPIC)).containsExactly("from-key", "from-value");
    }

    @Test
    void metricsCountWrittenDuplicateAndDeadLetteredRecordsOnTheMBean() throws Exception {
        TestSinkContext context = new TestSinkContext(true);
        MongoLogSinkTask task = startTask(context, "name", "metrics-sink", "outboxkit.task.id", "3");

        task.put(List.of(
                event("Order", 0, 0, "ev-1", "o-1", "T", "{}"),
                event("Order", 0, 1, "ev-2", "o-1", "T", "{}"),
                event("Order", 0, 2, "ev-1", "o-1", "T", "{}"),
                event("Order", 0, 3, null, "o-1", "T", "{}")));
        task.put(List.of(event("Order", 0, 1, "ev-2", "o-1", "T", "{}")));

        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        java.util.Set<javax.management.ObjectName> names = server.queryNames(
                new javax.management.ObjectName(
                        "dev.outboxkit:type=mongo-log-sink,connector=\"metrics-sink\",task=\"3\""),
                null);
        assertThat(names).hasSize(1);
        javax.management.ObjectName name = names.iterator().next();
        assertThat(server.getAttribute(name, "RecordsWritten")).isEqualTo(2L);
        assertThat(server.getAttribute(name, "DuplicatesSkipped")).isEqualTo(2L);
        assertThat(server.getAttribute(name, "RecordsDeadLettered")).isEqualTo(1L);
        assertThat(server.getAttribute(name, "Retries")).isEqualTo(0L);
        assertThat(server.getAttribute(name, "BulkWrites")).isEqualTo(2L);
        assertThat((Long) server.getAttribute(name, "EndToEndLagMs")).isPositive();

        task.stop();
        started.remove(task);
        assertThat(server.queryNames(name, null)).isEmpty();
    }

    @Test
    void versionIsTheMavenProjectVersion() {
        assertThat(new MongoLogSinkTask().version()).isEqualTo(System.getProperty("project.version"));
        assertThat(new MongoLogSinkConnector().version()).isEqualTo(System.getProperty("project.version"));
    }
}
