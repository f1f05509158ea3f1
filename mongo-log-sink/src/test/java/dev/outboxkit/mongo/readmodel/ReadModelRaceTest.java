package dev.outboxkit.mongo.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.readmodel.ReadModelRecords.Event;
import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Property 4 of the read model: two tasks writing the same aggregates at the same time (one of them a zombie that
 * still holds old events, such as a task whose partitions were reassigned) never leave an aggregate older than the
 * highest version either wrote. Each round starts both writers together on fresh aggregates, so first writes race
 * on the insert too, and then on the conditional replace.
 */
class ReadModelRaceTest {

    private static final MongoTestServer MONGO = MongoTestServer.shared();
    private static final int ROUNDS = 25;
    private static final int AGGREGATES = 8;
    private static final int VERSIONS = 12;

    @Test
    void twoTasksRacingOnTheSameAggregatesNeverEndOlder() throws Exception {
        String database = MongoTestServer.uniqueDatabase("race");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Random random = new Random(26_11_2026L);
        try (RunningSink current = new RunningSink(
                        MONGO, true, "name", "race-current", "database", database, "write.mode", "latest");
                RunningSink zombie = new RunningSink(
                        MONGO, true, "name", "race-zombie", "database", database, "write.mode", "latest")) {
            List<Event> highest = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                List<SinkRecord> ascending = new ArrayList<>();
                List<SinkRecord> stale = new ArrayList<>();
                for (int a = 0; a < AGGREGATES; a++) {
                    String aggregate = "r" + round + "-" + a;
                    for (int v = 1; v <= VERSIONS; v++) {
                        Event event = new Event(aggregate, v, "OrderChanged");
                        ascending.add(event.at(0, ascending.size()));
                        // The zombie writes every version but the newest, newest first: the write most likely to
                        // land last is always an older one.
                        if (v < VERSIONS) {
                            stale.add(event.at(1, stale.size()));
                        }
                    }
                    highest.add(new Event(aggregate, VERSIONS, "OrderChanged"));
                }
                Collections.reverse(stale);
                Collections.shuffle(ascending.subList(0, ascending.size()), random);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<?> a = threads.submit(() -> putInBatches(current, ascending, start, 3));
                Future<?> b = threads.submit(() -> putInBatches(zombie, stale, start, 1));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
            }
            // RunningSink's own accessors read its default database; both tasks write the shared one.
            Map<BsonValue, BsonDocument> stored = new java.util.HashMap<>();
            MONGO.client()
                    .getDatabase(database)
                    .getCollection(ReadModelRecords.TOPIC, BsonDocument.class)
                    .find()
                    .forEach(doc -> stored.put(doc.get("_id"), doc));
            assertThat(current.deadLettered()).isEmpty();
            assertThat(zombie.deadLettered()).isEmpty();
            List<String> older = new ArrayList<>();
            for (Event event : highest) {
                BsonDocument doc = stored.get(new BsonString("Order:" + event.aggregateId()));
                long version = doc == null ? -1 : doc.getInt64("version").getValue();
                if (version != VERSIONS
                        || !doc.getString("eventId").getValue().equals(event.eventId())
                        || !doc.getDocument("payload").equals(BsonDocument.parse(event.payload()))) {
                    older.add(event.aggregateId() + " at version " + version);
                }
            }
            assertThat(older)
                    .as("aggregates left older than version " + VERSIONS)
                    .isEmpty();
            assertThat(stored).hasSize(ROUNDS * AGGREGATES);
        } finally {
            threads.shutdownNow();
        }
    }

    private static Void putInBatches(RunningSink sink, List<SinkRecord> records, CyclicBarrier start, int batchSize)
            throws Exception {
        start.await(30, TimeUnit.SECONDS);
        for (int from = 0; from < records.size(); from += batchSize) {
            sink.put(records.subList(from, Math.min(records.size(), from + batchSize)));
        }
        return null;
    }
}
