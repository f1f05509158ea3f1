package dev.outboxkit.mongo.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.readmodel.ReadModelRecords.Event;
import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Property 1 and 3 of the read model: for generated sequences of several aggregates' events (shuffled, with
 * duplicates and redeliveries, interleaved across partitions, cut into batches of random sizes, some events
 * deletions), the final document of each aggregate is exactly the one its highest version leaves: that event's
 * payload, version, event id, type, timestamp and coordinates, or a tombstone when it was a deletion.
 */
class ReadModelConvergenceTest {

    private static final MongoTestServer MONGO = MongoTestServer.shared();
    private static final int TRIALS = 60;

    @Test
    void everyAggregateEndsAtItsHighestVersionWhateverTheOrderDuplicatesAndBatches() {
        long seed = Long.getLong("readmodel.seed", 20_261_126L);
        Random random = new Random(seed);
        for (int trial = 0; trial < TRIALS; trial++) {
            runTrial(random, seed, trial);
        }
    }

    private static void runTrial(Random random, long seed, int trial) {
        int aggregates = 1 + random.nextInt(6);
        List<Event> events = new ArrayList<>();
        for (int a = 0; a < aggregates; a++) {
            int versions = 1 + random.nextInt(12);
            // Versions need not be dense: a sequence column can skip, and a log position always does.
            long version = random.nextInt(3);
            for (int v = 0; v < versions; v++) {
                version += 1 + random.nextInt(random.nextBoolean() ? 2 : 1_000_000);
                boolean deletion = random.nextInt(5) == 0;
                events.add(new Event("order-" + a, version, deletion ? "OrderDeleted" : "OrderChanged"));
            }
        }
        // Deliveries: every event at least once, some several times, in any order across two partitions.
        List<Event> deliveries = new ArrayList<>(events);
        int extra = random.nextInt(events.size() + 1);
        for (int i = 0; i < extra; i++) {
            deliveries.add(events.get(random.nextInt(events.size())));
        }
        Collections.shuffle(deliveries, random);
        Map<Event, long[]> lastCoordinates = new HashMap<>();
        long[] nextOffset = new long[2];
        List<SinkRecord> records = new ArrayList<>();
        for (Event event : deliveries) {
            int partition = random.nextInt(2);
            long offset = nextOffset[partition]++;
            records.add(event.at(partition, offset));
            lastCoordinates.putIfAbsent(event, new long[] {partition, offset});
        }

        try (RunningSink sink =
                new RunningSink(MONGO, true, "write.mode", "latest", "latest.delete.event.types", "OrderDeleted")) {
            int from = 0;
            while (from < records.size()) {
                int size = 1 + random.nextInt(Math.min(8, records.size() - from));
                sink.put(records.subList(from, from + size));
                from += size;
            }
            Map<BsonValue, BsonDocument> stored = sink.stored(ReadModelRecords.TOPIC);
            Map<BsonValue, BsonDocument> expected = new HashMap<>();
            for (Event highest : highestPerAggregate(events)) {
                // The first delivery of the highest version writes it; its redeliveries change nothing.
                long[] at = firstDeliveryOf(highest, records);
                expected.put(
                        new BsonString("Order:" + highest.aggregateId()),
                        highest.expectedDocument(highest.eventType().equals("OrderDeleted"), (int) at[0], at[1]));
            }
            assertThat(stored)
                    .as("seed %d, trial %d: %d aggregates, %d deliveries", seed, trial, aggregates, records.size())
                    .isEqualTo(expected);
            assertThat(sink.deadLettered()).as("seed %d, trial %d", seed, trial).isEmpty();
        }
    }

    private static long[] firstDeliveryOf(Event event, List<SinkRecord> records) {
        for (SinkRecord record : records) {
            if (record.headers().lastWithName("id").value().equals(event.eventId())) {
                return new long[] {record.kafkaPartition(), record.kafkaOffset()};
            }
        }
        throw new AssertionError("never delivered: " + event);
    }

    private static List<Event> highestPerAggregate(List<Event> events) {
        Map<String, Event> highest = new HashMap<>();
        for (Event event : events) {
            highest.merge(event.aggregateId(), event, (a, b) -> a.version() >= b.version() ? a : b);
        }
        return new ArrayList<>(highest.values());
    }
}
