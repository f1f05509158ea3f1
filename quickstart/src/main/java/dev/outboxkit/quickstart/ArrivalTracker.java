package dev.outboxkit.quickstart;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;

/**
 * Measures commit-to-MongoDB latency: the workload registers each event's commit time, and a poller asks
 * MongoDB every few milliseconds which of the pending event ids are stored. Latency resolution is the poll
 * interval plus one query.
 */
final class ArrivalTracker implements AutoCloseable {

    static final long POLL_MS = 20;
    private static final int CHUNK = 500;

    private final MongoDatabase database;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final Thread poller;
    private volatile boolean running = true;
    private volatile long lastArrivalMs;

    ArrivalTracker(MongoClient client, String databaseName) {
        this.database = client.getDatabase(databaseName);
        this.poller = new Thread(this::poll, "arrival-tracker");
        this.poller.setDaemon(true);
        this.poller.start();
    }

    void committed(String eventId, long committedAtMs) {
        pending.put(eventId, committedAtMs);
    }

    int pendingCount() {
        return pending.size();
    }

    long lastArrivalMs() {
        return lastArrivalMs;
    }

    /** The longest latency measured so far, or -1 when none. */
    long maxLatency() {
        synchronized (latencies) {
            return latencies.stream().mapToLong(Long::longValue).max().orElse(-1);
        }
    }

    /** Forgets the latencies measured so far (of events that are no longer pending). */
    void clearLatencies() {
        latencies.clear();
    }

    List<Long> latencies() {
        synchronized (latencies) {
            return new ArrayList<>(latencies);
        }
    }

    private void poll() {
        while (running) {
            try {
                List<String> ids = new ArrayList<>(pending.keySet());
                List<String> collections = ids.isEmpty()
                        ? List.of()
                        : database.listCollectionNames().into(new ArrayList<>());
                for (int from = 0; from < ids.size(); from += CHUNK) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
                    for (String collection : collections) {
                        for (Document doc : database.getCollection(collection)
                                .find(Filters.in("_id", chunk))
                                .projection(Projections.include("_id"))) {
                            Long committedAt = pending.remove(String.valueOf(doc.get("_id")));
                            if (committedAt != null) {
                                long now = System.currentTimeMillis();
                                latencies.add(now - committedAt);
                                lastArrivalMs = now;
                            }
                        }
                    }
                }
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // MongoDB briefly unavailable: try again on the next poll.
            }
        }
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
    }

    static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
