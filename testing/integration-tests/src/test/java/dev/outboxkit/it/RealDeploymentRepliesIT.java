package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.mongo.ScriptedMongoServer;
import dev.outboxkit.testkit.mongo.ScriptedMongoServer.ServerError;

/**
 * The shipped sink in a real worker against a MongoDB that answers like Azure Cosmos DB under load: part of each
 * unordered bulk is throttled (code 16500 with RetryAfterMs) while the rest is stored. The worker redelivers the
 * batches the task asks to retry; in the end every event is stored exactly once, none is in the dead letter queue,
 * and the committed offsets reach the end of every partition. A bulk that also holds duplicates and a document the
 * validator refuses sends that one document, and only it, to the dead letter queue.
 */
class RealDeploymentRepliesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static ScriptedMongoServer mongo;
    private static ConnectStack stack;

    @BeforeAll
    static void start() {
        mongo = new ScriptedMongoServer();
        stack = new ConnectStack(1, Map.of("mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, mongo);
    }

    private static Map<String, String> sinkConfig(String database, String topicsRegex) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database", database);
        overrides.put("topics.regex", topicsRegex);
        overrides.put("tasks.max", "1");
        overrides.put("errors.deadletterqueue.topic.name", "dlq." + database);
        overrides.put("retry.backoff.initial.ms", "20");
        overrides.put("retry.backoff.max.ms", "200");
        return stack.shippedConfig("mongo-log-sink.json", overrides);
    }

    private static void send(String topic, int partitions, List<String> ids) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = stack.kafka().createProducer(Map.of())) {
            int i = 0;
            for (String id : ids) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        topic,
                        i % partitions,
                        ("agg-" + (i % 7)).getBytes(StandardCharsets.UTF_8),
                        ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                record.headers().add("id", id.getBytes(StandardCharsets.UTF_8));
                record.headers().add("eventType", "Happened".getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
                i++;
            }
        }
    }

    private static List<String> ids(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    @Test
    void aThrottledPartialBulkEndsWithEveryEventStoredExactlyOnceNoneDeadLetteredAndOffsetsAtTheEnd() throws Exception {
        stack.kafka().createTopic("thr.event.Order", 3);
        List<String> events = ids("thr-", 120);
        Set<Object> throttled = new TreeSet<>();
        for (int i = 3; i < 120; i += 9) {
            throttled.add("thr-" + i);
        }
        // Each of these is refused twice, whenever and in whichever bulk it comes, while its neighbours are stored.
        mongo.failDocuments(throttled, 2, ServerError.cosmosThrottled(50));
        stack.put("thr-sink", sinkConfig("events_thr", "thr\\.event\\..*"));
        stack.awaitRunning("thr-sink", 1, TIMEOUT);

        send("thr.event.Order", 3, events);

        EventLog.awaitDocuments(mongo.client(), "events_thr", events.size(), TIMEOUT);
        stack.awaitOffsetsAtEnd("thr-sink", TIMEOUT, "thr.event.Order");
        assertThat(throttled)
                .as("every throttled document was refused twice before it was stored")
                .allSatisfy(id -> assertThat(mongo.refusals(id)).isEqualTo(2));
        List<Object> stored = new ArrayList<>();
        mongo.client()
                .getDatabase("events_thr")
                .getCollection("thr.event.Order")
                .find()
                .forEach((Document doc) -> stored.add(doc.get("_id")));
        assertThat(stored)
                .as("every event exactly once")
                .hasSize(events.size())
                .containsExactlyInAnyOrderElementsOf(events);
        assertThat(EventLog.kafkaEvents(stack, "dlq.events_thr"))
                .as("throttling is never the record's fault")
                .isEmpty();
        assertThat(stack.committedOffsets("thr-sink"))
                .isEqualTo(Map.of(
                        new TopicPartition("thr.event.Order", 0),
                        40L,
                        new TopicPartition("thr.event.Order", 1),
                        40L,
                        new TopicPartition("thr.event.Order", 2),
                        40L));
        assertThat(stack.status("thr-sink").tasks()).extracting(t -> t.state()).containsOnly("RUNNING");
    }

    @Test
    void aBulkWithDuplicatesAValidationFailureAndAThrottledDocumentDeadLettersOnlyTheRefusedDocument()
            throws Exception {
        stack.kafka().createTopic("mix.event.Order", 1);
        mongo.client()
                .getDatabase("events_mix")
                .getCollection("mix.event.Order")
                .insertMany(List.of(new Document("_id", "mix-1"), new Document("_id", "mix-6")));
        mongo.failDocuments(Set.of("mix-4"), Integer.MAX_VALUE, ServerError.documentValidationFailure());
        mongo.failDocuments(Set.of("mix-2", "mix-8"), 3, ServerError.cosmosThrottled(30));
        stack.put("mix-sink", sinkConfig("events_mix", "mix\\.event\\..*"));
        stack.awaitRunning("mix-sink", 1, TIMEOUT);

        send("mix.event.Order", 1, ids("mix-", 10));

        Wait.until(
                "the refused document in the dead letter queue",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, "dlq.events_mix").size() == 1);
        stack.awaitOffsetsAtEnd("mix-sink", TIMEOUT, "mix.event.Order");
        List<EventLog.KafkaEvent> dead = EventLog.kafkaEvents(stack, "dlq.events_mix");
        assertThat(dead).extracting(EventLog.KafkaEvent::id).containsExactly("mix-4");
        assertThat(dead.get(0).headers().get("__connect.errors.exception.message"))
                .contains("mix.event.Order-0@4 cannot be stored")
                .contains("error code 121");
        Set<Object> stored = new TreeSet<>();
        mongo.client()
                .getDatabase("events_mix")
                .getCollection("mix.event.Order")
                .find()
                .forEach((Document doc) -> stored.add(doc.get("_id")));
        Set<Object> expected = new TreeSet<>(ids("mix-", 10));
        expected.remove("mix-4");
        assertThat(stored).isEqualTo(expected);
        assertThat(EventLog.count(mongo.client(), "events_mix")).isEqualTo(9);
        assertThat(stack.committedOffsets("mix-sink")).isEqualTo(Map.of(new TopicPartition("mix.event.Order", 0), 10L));
    }
}
