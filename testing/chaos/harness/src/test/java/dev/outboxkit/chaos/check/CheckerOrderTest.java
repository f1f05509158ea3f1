package dev.outboxkit.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The checker's order checks on their own, with known data: they count what they compared, count records they
 * cannot place instead of skipping them, and a check that compared fewer events than committed does not hold.
 */
class CheckerOrderTest {

    private static final Map<String, Integer> COMMITTED =
            Map.of("order-1#1", 1, "order-1#2", 2, "order-1#3", 3, "order-2#1", 1);

    private static Checker.Position at(long offset) {
        return new Checker.Position("outbox.event.Order", 1, offset);
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String id) {
        ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>("outbox.event.Order", 1, offset, new byte[0], new byte[0]);
        if (id != null) {
            record.headers().add("id", id.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static Checker.Findings findings(long comparedOnKafka, long comparedInMongo, long mongoViolations) {
        return new Checker.Findings(
                4, 4, 0, 0, 0, 4, 0, 0, 0, comparedOnKafka, mongoViolations, comparedInMongo, 0, 0, 0, 0, List.of());
    }

    @Test
    void storedEventsInTheOrderOfTheirKafkaPositionsHold() {
        List<String> examples = new ArrayList<>();
        long[] result = Checker.mongoOrder(
                COMMITTED,
                Map.of("order-1#1", at(10), "order-1#2", at(12), "order-1#3", at(20), "order-2#1", at(11)),
                examples);
        assertThat(result).containsExactly(0, 4);
        assertThat(examples).isEmpty();
    }

    @Test
    void aStoredEventFromAnEarlierPositionThanItsPredecessorIsAnOrderViolationInMongoDb() {
        List<String> examples = new ArrayList<>();
        long[] result = Checker.mongoOrder(
                COMMITTED,
                Map.of("order-1#1", at(10), "order-1#2", at(21), "order-1#3", at(20), "order-2#1", at(11)),
                examples);
        assertThat(result).containsExactly(1, 4);
        assertThat(examples)
                .containsExactly("order in MongoDB: order-1#2 stored from outbox.event.Order-1@21, after #3");
    }

    @Test
    void bothStoredPositionFormatsAreRead() {
        assertThat(Checker.Position.of(new Document("_id", "a")
                        .append(
                                "kafka",
                                new Document("topic", "outbox.event.Order")
                                        .append("partition", 2)
                                        .append("offset", 41L))))
                .isEqualTo(new Checker.Position("outbox.event.Order", 2, 41));
        assertThat(Checker.Position.of(
                        new Document("_id", "a").append(Checker.PEER_POSITION_FIELD, "outbox.event.Order-2-41")))
                .isEqualTo(new Checker.Position("outbox.event.Order", 2, 41));
        assertThat(Checker.Position.of(new Document("_id", "a"))).isNull();
    }

    @Test
    void onKafkaTheFirstOccurrenceCountsAndUnknownRecordsAreCountedNotSkipped() {
        List<String> examples = new ArrayList<>();
        Checker.KafkaOrder order = Checker.kafkaOrder(
                COMMITTED,
                List.of(
                        record(0, "order-1#1"),
                        record(1, "order-2#1"),
                        record(2, "order-1#2"),
                        record(3, "order-1#1"),
                        record(4, "order-1#2"),
                        record(5, "order-1#3"),
                        record(6, null),
                        record(7, "order-9#1")),
                examples);
        assertThat(order).isEqualTo(new Checker.KafkaOrder(8, 2, 2, 4, 0));
        assertThat(examples)
                .containsExactly(
                        "no id header at outbox.event.Order-1@6",
                        "never committed: order-9#1 at outbox.event.Order-1@7");
    }

    @Test
    void onKafkaAFirstOccurrenceOutOfCommitOrderIsAViolation() {
        Checker.KafkaOrder order = Checker.kafkaOrder(
                COMMITTED,
                List.of(record(0, "order-1#2"), record(1, "order-1#1"), record(2, "order-1#3")),
                new ArrayList<>());
        assertThat(order.violations()).isEqualTo(1);
        assertThat(order.compared()).isEqualTo(3);
    }

    @Test
    void theChecksHoldOnlyWhenTheyComparedEveryCommittedEvent() {
        assertThat(findings(4, 4, 0).holds()).isTrue();
        assertThat(findings(3, 4, 0).holds())
                .as("one event not compared on Kafka")
                .isFalse();
        assertThat(findings(4, 0, 0).holds()).as("nothing compared in MongoDB").isFalse();
        assertThat(findings(4, 4, 1).holds())
                .as("an order violation in MongoDB")
                .isFalse();
    }
}
