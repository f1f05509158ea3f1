package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * The drop-in promise in a real pipeline: the same MariaDB outbox through Debezium's own
 * {@code io.debezium.transforms.outbox.EventRouter} (from the Debezium plugin directory) and through
 * {@code OutboxEventRouter}, each on a fresh Kafka, gives the same topics, keys, headers and values and the same
 * MongoDB documents. Only times differ (each run snapshots at its own moment).
 */
class DropInIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int EVENTS = 60;

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;

    private record Run(List<EventLog.KafkaEvent> kafka, Map<Object, Document> documents) {}

    @BeforeAll
    static void start() throws Exception {
        mongo = new MongoTestServer();
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase("shop_dropin");
        mariadb.execute("shop_dropin", OutboxWorkload.ORDERS_TABLE, OutboxWorkload.mariaDbSchema("outbox"));
        OutboxWorkload.write(mariadb, "shop_dropin", "outbox", "dropin", 0, EVENTS);
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(mariadb, mongo);
    }

    private static Run run(String routerClass, String mongoDatabase) {
        try (ConnectStack stack = new ConnectStack(1, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()))) {
            Map<String, String> overrides = new HashMap<>();
            overrides.put("transforms.outbox.type", routerClass);
            overrides.put("transforms.outbox.provenance.headers", null);
            stack.put("source", PipelineConfigs.sourceConfig(stack, mariadb, "shop_dropin", "dropin", overrides));
            stack.awaitRunning("source", 1, TIMEOUT);
            stack.put("sink", PipelineConfigs.sinkConfig(stack, mongoDatabase, "outbox\\.event\\..*", Map.of()));
            stack.awaitRunning("sink", 2, TIMEOUT);
            EventLog.awaitDocuments(mongo.client(), mongoDatabase, EVENTS, TIMEOUT);
            return new Run(
                    EventLog.kafkaEvents(stack, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment"),
                    EventLog.documents(mongo.client(), mongoDatabase));
        }
    }

    @Test
    void debeziumsEventRouterAndOutboxEventRouterProduceTheSameEventsAndDocuments() {
        Run debezium = run("io.debezium.transforms.outbox.EventRouter", "events_debezium");
        Run ours = run("dev.outboxkit.router.OutboxEventRouter", "events_ours");

        assertThat(ours.kafka()).hasSize(EVENTS);
        assertThat(comparable(ours.kafka())).isEqualTo(comparable(debezium.kafka()));
        assertThat(ours.kafka())
                .allSatisfy(e ->
                        assertThat(e.headers()).containsKeys("id", "eventType").containsEntry("id", e.id()));
        assertThat(withoutTimes(ours.documents())).isEqualTo(withoutTimes(debezium.documents()));
        assertThat(ours.documents()).hasSize(EVENTS);
    }

    /**
     * Events in topic-partition-offset order, without the header Debezium's connector sets to a new UUID on
     * every run ({@code __debezium.context.runId}); its other context headers are kept by both routers. The offset
     * itself is left out once the events are in order: the shipped sources write in exactly-once transactions, and
     * where a transaction's commit marker takes an offset depends on how each connector's polls were cut.
     */
    private static List<EventLog.KafkaEvent> comparable(List<EventLog.KafkaEvent> events) {
        return events.stream()
                .sorted(java.util.Comparator.comparing(EventLog.KafkaEvent::topic)
                        .thenComparing(EventLog.KafkaEvent::partition)
                        .thenComparingLong(EventLog.KafkaEvent::offset))
                .map(e -> {
                    Map<String, String> headers = new java.util.LinkedHashMap<>(e.headers());
                    headers.remove("__debezium.context.runId");
                    return new EventLog.KafkaEvent(e.topic(), e.partition(), -1, e.key(), e.id(), e.value(), headers);
                })
                .toList();
    }

    private static Map<Object, Document> withoutTimes(Map<Object, Document> documents) {
        Map<Object, Document> copy = new HashMap<>();
        documents.forEach((id, doc) -> {
            Document without = new Document(doc);
            without.remove("timestamp");
            // The Kafka offset too (see comparable): the order is compared on the topics.
            Document kafka = new Document(without.get("kafka", Document.class));
            kafka.remove("offset");
            without.put("kafka", kafka);
            copy.put(id, without);
        });
        return copy;
    }
}
