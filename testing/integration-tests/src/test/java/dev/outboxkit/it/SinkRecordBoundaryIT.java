package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.BsonBinary;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * The sink's record boundary as a real worker drives it: the worker's converters (the shipped ByteArrayConverter
 * and StringConverter header converter, or a user's own), transforms before the sink, its offset commits and a
 * rebalance. Records are produced straight to the event topics as a router would write them.
 */
class SinkRecordBoundaryIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static MongoTestServer mongo;
    private static ConnectStack stack;

    @BeforeAll
    static void start() {
        mongo = new MongoTestServer();
        stack = new ConnectStack(1, Map.of("mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, mongo);
    }

    private static Map<String, String> sinkConfig(String database, String topicsRegex, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database", database);
        overrides.put("topics.regex", topicsRegex);
        overrides.put("errors.deadletterqueue.topic.name", "dlq." + database);
        overrides.putAll(extra);
        return stack.shippedConfig("mongo-log-sink.json", overrides);
    }

    private static ProducerRecord<byte[], byte[]> event(String topic, int partition, String id, byte[] value) {
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topic, partition, "agg-1".getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("id", id.getBytes(StandardCharsets.UTF_8));
        record.headers().add("eventType", "Happened".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = stack.kafka().createProducer(Map.of())) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record).get();
            }
        }
    }

    private static Map<BsonValue, BsonDocument> stored(String database, String collection) {
        Map<BsonValue, BsonDocument> documents = new LinkedHashMap<>();
        mongo.client()
                .getDatabase(database)
                .getCollection(collection, BsonDocument.class)
                .find()
                .forEach(doc -> documents.put(doc.get("_id"), doc));
        return documents;
    }

    @Test
    void committedOffsetsReachTheEndOfEveryPartitionWithRenamingFilteringAndConverterErrorsAndAfterARebalance()
            throws Exception {
        stack.kafka().createTopic("rr.event.Order", 3);
        stack.kafka().createTopic("rr.event.Filtered", 1);
        stack.kafka().createTopic("rr.event.Broken", 1);
        String[] topics = {"rr.event.Order", "rr.event.Filtered", "rr.event.Broken"};
        Map<String, String> extra = new LinkedHashMap<>();
        // A user's own converter, whose errors the worker tolerates (and dead-letters) before the sink sees them.
        extra.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        extra.put("value.converter.schemas.enable", "false");
        extra.put("transforms", "drop,rename");
        extra.put("transforms.drop.type", "org.apache.kafka.connect.transforms.Filter");
        extra.put("transforms.drop.predicate", "isFiltered");
        extra.put("predicates", "isFiltered");
        extra.put("predicates.isFiltered.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        extra.put("predicates.isFiltered.pattern", "rr\\.event\\.Filtered");
        extra.put("transforms.rename.type", "org.apache.kafka.connect.transforms.RegexRouter");
        extra.put("transforms.rename.regex", "rr\\.event\\.(.*)");
        extra.put("transforms.rename.replacement", "renamed.$1");
        extra.put("tasks.max", "1");
        stack.put("rr-sink", sinkConfig("events_rr", "rr\\.event\\..*", extra));
        stack.awaitRunning("rr-sink", 1, TIMEOUT);

        send(batch(0, 60));
        EventLog.awaitDocuments(mongo.client(), "events_rr", 60, TIMEOUT);
        stack.awaitOffsetsAtEnd("rr-sink", TIMEOUT, topics);
        assertThat(stack.committedOffsets("rr-sink"))
                .containsEntry(new org.apache.kafka.common.TopicPartition("rr.event.Filtered", 0), 10L)
                .containsEntry(new org.apache.kafka.common.TopicPartition("rr.event.Broken", 0), 5L);

        extra.put("tasks.max", "2");
        stack.put("rr-sink", sinkConfig("events_rr", "rr\\.event\\..*", extra));
        stack.awaitRunning("rr-sink", 2, TIMEOUT);
        send(batch(60, 60));
        EventLog.awaitDocuments(mongo.client(), "events_rr", 120, TIMEOUT);
        stack.awaitOffsetsAtEnd("rr-sink", TIMEOUT, topics);

        List<BsonValue> expectedIds = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            expectedIds.add(new BsonString("rr-" + i));
        }
        assertThat(stored("events_rr", "renamed.Order").keySet()).containsExactlyInAnyOrderElementsOf(expectedIds);
        assertThat(EventLog.count(mongo.client(), "events_rr")).isEqualTo(120);
        assertThat(stack.committedOffsets("rr-sink").values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .as("every record produced, stored, filtered or dead-lettered")
                .isEqualTo(120 + 20 + 10);
        Wait.until(
                "the 10 records the converter failed on are in the dead letter queue",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, "dlq.events_rr").size() == 10);
    }

    /** Events spread over the Order partitions, a tenth as many filtered records, and a few that are not JSON. */
    private static List<ProducerRecord<byte[], byte[]>> batch(int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            records.add(event("rr.event.Order", i % 3, "rr-" + i, utf8("{\"n\":" + i + "}")));
            if (i % 6 == 0) {
                records.add(event("rr.event.Filtered", 0, "filtered-" + i, utf8("{\"n\":" + i + "}")));
            }
            if (i % 12 == 0) {
                records.add(event("rr.event.Broken", 0, "broken-" + i, utf8("{not json")));
            }
        }
        return records;
    }

    private static final List<String> IDS =
            List.of("007", "7", "2024-01-01", "1.0", "9223372036854775807", "1f0c1e3a-5b7d-4a8e-9c1d-2e3f4a5b6c7d");

    @Test
    void eventIdsReachMongoDbAsSentWithTheShippedConfigAndAreNeverFalseDuplicatesWithoutIt() throws Exception {
        stack.kafka().createTopic("ids.event.Order", 1);
        stack.kafka().createTopic("ids2.event.Order", 1);
        stack.put("ids-sink", sinkConfig("events_ids", "ids\\.event\\..*", Map.of("tasks.max", "1")));
        Map<String, String> ownConfig = new LinkedHashMap<>();
        ownConfig.put("tasks.max", "1");
        ownConfig.put("header.converter", null); // a user's own config, leaving the header converter to the worker
        stack.put("ids2-sink", sinkConfig("events_ids2", "ids2\\.event\\..*", ownConfig));
        stack.awaitRunning("ids-sink", 1, TIMEOUT);
        stack.awaitRunning("ids2-sink", 1, TIMEOUT);

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (String id : IDS) {
            records.add(event("ids.event.Order", 0, id, utf8("{\"id\":\"" + id + "\"}")));
            records.add(event("ids2.event.Order", 0, id, utf8("{\"id\":\"" + id + "\"}")));
        }
        send(records);

        EventLog.awaitDocuments(mongo.client(), "events_ids", IDS.size(), TIMEOUT);
        assertThat(stored("events_ids", "ids.event.Order").keySet())
                .containsExactlyInAnyOrderElementsOf(
                        IDS.stream().map(BsonString::new).toList());

        Wait.until(
                "the re-typed ids of ids2-sink are in its dead letter queue",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, "dlq.events_ids2").size() == 5);
        stack.awaitOffsetsAtEnd("ids2-sink", TIMEOUT, "ids2.event.Order");
        assertThat(stored("events_ids2", "ids2.event.Order").keySet())
                .containsExactly(new BsonString("1f0c1e3a-5b7d-4a8e-9c1d-2e3f4a5b6c7d"));
        assertThat(EventLog.kafkaEvents(stack, "dlq.events_ids2"))
                .extracting(EventLog.KafkaEvent::id)
                .containsExactly("007", "7", "2024-01-01", "1.0", "9223372036854775807");
        assertThat(EventLog.kafkaEvents(stack, "dlq.events_ids2"))
                .allSatisfy(e -> assertThat(e.headers().get("__connect.errors.exception.message"))
                        .contains("Set header.converter="
                                + "org.apache.kafka.connect.storage.StringConverter on this connector"));
    }

    @Test
    void hostilePayloadsAreStoredAsSentOrDeadLetteredAndTheTaskKeepsRunning() throws Exception {
        stack.kafka().createTopic("hostile.event.Order", 1);
        stack.put("hostile-sink", sinkConfig("events_hostile", "hostile\\.event\\..*", Map.of("tasks.max", "1")));
        stack.awaitRunning("hostile-sink", 1, TIMEOUT);
        byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'};
        byte[] bomJson = utf8("\uFEFF{\"bom\":true}");

        send(List.of(
                event("hostile.event.Order", 0, "big-int", utf8("{\"n\":12345678901234567890}")),
                event("hostile.event.Order", 0, "deep", utf8("[".repeat(3_000) + "]".repeat(3_000))),
                event("hostile.event.Order", 0, "invalid-utf8", invalidUtf8),
                event("hostile.event.Order", 0, "bom", bomJson),
                event("hostile.event.Order", 0, "extended-json", utf8("{\"n\":{\"$numberLong\":\"5\"}}")),
                event("hostile.event.Order", 0, "duplicate-key", utf8("{\"a\":1,\"a\":2}")),
                event("hostile.event.Order", 0, "text", utf8("plain text")),
                event("hostile.event.Order", 0, "fine", utf8("{\"ok\":1}"))));

        Wait.until(
                "2 records in the dead letter queue",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, "dlq.events_hostile").size() == 2);
        stack.awaitOffsetsAtEnd("hostile-sink", TIMEOUT, "hostile.event.Order");
        Map<BsonValue, BsonDocument> stored = stored("events_hostile", "hostile.event.Order");
        assertThat(stored.keySet())
                .containsExactlyInAnyOrder(
                        new BsonString("big-int"),
                        new BsonString("invalid-utf8"),
                        new BsonString("bom"),
                        new BsonString("extended-json"),
                        new BsonString("text"),
                        new BsonString("fine"));
        assertThat(stored.get(new BsonString("big-int")).getDocument("payload").get("n"))
                .isEqualTo(new BsonDecimal128(Decimal128.parse("12345678901234567890")));
        assertThat(stored.get(new BsonString("invalid-utf8")).get("payload")).isEqualTo(new BsonBinary(invalidUtf8));
        assertThat(stored.get(new BsonString("bom")).get("payload")).isEqualTo(BsonDocument.parse("{\"bom\": true}"));
        assertThat(stored.get(new BsonString("extended-json"))
                        .getDocument("payload")
                        .getDocument("n"))
                .isEqualTo(new BsonDocument("$numberLong", new BsonString("5")));
        assertThat(stored.get(new BsonString("text")).get("payload")).isEqualTo(new BsonString("plain text"));
        List<EventLog.KafkaEvent> dead = EventLog.kafkaEvents(stack, "dlq.events_hostile");
        assertThat(dead).extracting(EventLog.KafkaEvent::id).containsExactly("deep", "duplicate-key");
        assertThat(dead.get(0).headers().get("__connect.errors.exception.message"))
                .contains(
                        "hostile.event.Order-0@1 cannot be stored: the payload nests deeper than MongoDB's limit of 100");
        assertThat(dead.get(1).headers().get("__connect.errors.exception.message"))
                .contains("hostile.event.Order-0@5 cannot be stored: the payload has a key twice in one object");
        assertThat(stack.status("hostile-sink").tasks())
                .extracting(t -> t.state())
                .containsOnly("RUNNING");
    }
}
