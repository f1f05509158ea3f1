package dev.outboxkit.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.bson.Document;

import com.mongodb.client.MongoClient;

import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/** What the pipeline tests check of the events committed: stored exactly once as sent, in commit order per aggregate. */
public final class EventAssertions {

    private EventAssertions() {}

    public static void assertStoredExactly(Map<Object, Document> stored, List<Event> committed) {
        assertStoredExactly(stored, committed, "outbox");
    }

    public static void assertStoredExactly(Map<Object, Document> stored, List<Event> committed, String topicNamespace) {
        assertThat(stored.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        committed.stream().map(Event::id).toList());
        for (Event event : committed) {
            Document doc = stored.get(event.id());
            assertThat(doc.get("aggregateType")).as(event.id()).isEqualTo(event.aggregateType());
            assertThat(doc.get("aggregateId")).as(event.id()).isEqualTo(event.aggregateId());
            assertThat(doc.get("eventType")).as(event.id()).isEqualTo(event.type());
            assertThat(doc.get("payload", Document.class)).as(event.id()).isEqualTo(Document.parse(event.payload()));
            assertThat(doc.get("kafka", Document.class).getString("topic"))
                    .isEqualTo(topicNamespace + ".event." + event.aggregateType());
        }
    }

    /**
     * The outcome of a service that deleted every outbox row but the last in the transaction that inserted it: each
     * committed event once in MongoDB and once on the namespace's event topics, no topic for the table's own change
     * events (where a delete passed on would go), and only the last row left in the table. Once the last event, not
     * deleted, has arrived, the source has read every delete before it.
     */
    public static void assertDeletesAddedNothing(
            ConnectStack stack,
            MongoClient mongo,
            SqlDatabase db,
            String database,
            String namespace,
            String rawChangeTopic,
            List<Event> committed,
            Duration timeout)
            throws SQLException {
        EventLog.awaitDocuments(mongo, "events_" + namespace, committed.size(), timeout);
        assertStoredExactly(EventLog.documents(mongo, "events_" + namespace), committed, namespace);
        List<String> topics = OutboxWorkload.AGGREGATE_TYPES.stream()
                .map(type -> namespace + ".event." + type)
                .toList();
        assertThat(EventLog.kafkaEvents(stack, topics.toArray(String[]::new)).stream()
                        .map(EventLog.KafkaEvent::id)
                        .toList())
                .as("every event once on Kafka, nothing for the deletes")
                .containsExactlyInAnyOrderElementsOf(
                        committed.stream().map(Event::id).toList());
        assertThat(stack.kafka().describeTopics(rawChangeTopic).get(rawChangeTopic))
                .as("no topic for the outbox table's own change events (where a delete passed on would go)")
                .isEmpty();
        assertThat(OutboxWorkload.rows(db, database, "outbox"))
                .as("the outbox table holds only the row not deleted")
                .isEqualTo(1);
    }

    /** For every aggregate, the event ids in Kafka (per partition, by offset) are in commit order. */
    public static void assertKafkaOrderPerAggregateIsCommitOrder(
            List<EventLog.KafkaEvent> events, List<Event> committed) {
        Map<String, List<String>> expected = committed.stream()
                .collect(Collectors.groupingBy(
                        e -> e.aggregateType() + "/" + e.aggregateId(),
                        LinkedHashMap::new,
                        Collectors.mapping(Event::id, Collectors.toList())));
        Map<String, List<String>> actual = events.stream()
                .sorted(Comparator.comparing(EventLog.KafkaEvent::topic)
                        .thenComparing(EventLog.KafkaEvent::partition)
                        .thenComparingLong(EventLog.KafkaEvent::offset))
                .collect(Collectors.groupingBy(
                        e -> e.topic().substring("outbox.event.".length()) + "/" + e.key(),
                        LinkedHashMap::new,
                        Collectors.mapping(EventLog.KafkaEvent::id, Collectors.toList())));
        assertThat(actual).isEqualTo(expected);
    }

    /**
     * For every aggregate, the stored events sorted by the Kafka position the sink stored with them (the order in
     * which the sink was handed them) are in commit order.
     */
    public static void assertMongoOrderPerAggregateIsCommitOrder(Map<Object, Document> stored, List<Event> committed) {
        Map<String, List<String>> expected = committed.stream()
                .collect(Collectors.groupingBy(
                        e -> e.aggregateType() + "/" + e.aggregateId(),
                        LinkedHashMap::new,
                        Collectors.mapping(Event::id, Collectors.toList())));
        Comparator<Document> byKafkaPosition = Comparator.comparing(
                        (Document d) -> d.get("kafka", Document.class).getString("topic"))
                .thenComparing(d -> d.get("kafka", Document.class).getInteger("partition"))
                .thenComparing(d -> ((Number) d.get("kafka", Document.class).get("offset")).longValue());
        Map<String, List<String>> actual = stored.values().stream()
                .sorted(byKafkaPosition)
                .collect(Collectors.groupingBy(
                        d -> d.getString("aggregateType") + "/" + d.getString("aggregateId"),
                        LinkedHashMap::new,
                        Collectors.mapping(d -> String.valueOf(d.get("_id")), Collectors.toList())));
        assertThat(actual)
                .as("stored event ids per aggregate, by Kafka position")
                .isEqualTo(expected);
    }
}
