package dev.outboxkit.quickstart;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;

import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * The local pipeline's check of the read model (connect-configs/mongo-read-model-sink.json): each aggregate the run
 * wrote has one document in the collection of its type, holding the event committed last for it.
 */
record ReadModelCheck(int aggregates, int atLatest, List<String> behindSample) {

    private static final long POLL_MS = 100;

    /** Waits until every aggregate's document holds its latest event, or the timeout; returns what it found. */
    static ReadModelCheck await(
            MongoClient mongo, String database, List<OutboxWorkload.Event> committed, Duration timeout)
            throws InterruptedException {
        Map<String, OutboxWorkload.Event> latest = new LinkedHashMap<>();
        for (OutboxWorkload.Event event : committed) {
            latest.put(event.aggregateType() + ":" + event.aggregateId(), event);
        }
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            ReadModelCheck check = check(mongo, database, latest);
            if (check.atLatest() == check.aggregates() || System.currentTimeMillis() > deadline) {
                return check;
            }
            Thread.sleep(POLL_MS);
        }
    }

    private static ReadModelCheck check(MongoClient mongo, String database, Map<String, OutboxWorkload.Event> latest) {
        int atLatest = 0;
        List<String> behind = new ArrayList<>();
        for (Map.Entry<String, OutboxWorkload.Event> entry : latest.entrySet()) {
            Document document = mongo.getDatabase(database)
                    .getCollection(entry.getValue().aggregateType())
                    .find(Filters.eq("_id", entry.getKey()))
                    .first();
            if (document != null && entry.getValue().id().equals(document.getString("eventId"))) {
                atLatest++;
            } else if (behind.size() < 5) {
                behind.add(entry.getKey());
            }
        }
        return new ReadModelCheck(latest.size(), atLatest, behind);
    }
}
