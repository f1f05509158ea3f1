package dev.outboxkit.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.bson.Document;

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
