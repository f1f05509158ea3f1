package dev.outboxkit.chaos.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bson.Document;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;

/**
 * Follows, for each fault, the events that had committed when it was over, by id, until MongoDB holds every one of
 * them: a fault's recovery time is the time from its end until then (the backlog it caused, drained). It looks the
 * ids up in MongoDB twice a second; an id once found is not looked up again.
 */
public final class RecoveryMonitor implements AutoCloseable {

    private static final int BATCH = 5_000;

    private final MongoDatabase database;
    private final Set<String> stored = new HashSet<>();
    private final Map<Object, Set<String>> pending = new HashMap<>();
    private final Map<Object, Long> endedAt = new HashMap<>();
    private final Map<Object, Long> recoveredAt = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public RecoveryMonitor(MongoDatabase database) {
        this.database = database;
        thread = new Thread(this::watch, "recovery-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** From now on, waits for these ids (committed when the fault was over at endedAtMs) to be stored. */
    public void track(Object fault, long endedAtMs, List<String> committedIds) {
        synchronized (this) {
            Set<String> ids = new HashSet<>(committedIds);
            ids.removeAll(stored);
            pending.put(fault, ids);
            endedAt.put(fault, endedAtMs);
        }
    }

    private void watch() {
        while (running) {
            try {
                lookUp();
            } catch (RuntimeException e) {
                // MongoDB is faulted behind its proxy only; the direct connection may still hiccup: try again.
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void lookUp() {
        Set<String> wanted = new HashSet<>();
        synchronized (this) {
            pending.values().forEach(wanted::addAll);
        }
        long now = System.currentTimeMillis();
        Set<String> found = new HashSet<>();
        List<String> all = new ArrayList<>(wanted);
        List<String> collections = new ArrayList<>();
        (wanted.isEmpty() ? List.<String>of() : database.listCollectionNames()).forEach(name -> {
            if (name.startsWith("outbox.event.")) {
                collections.add(name);
            }
        });
        for (int from = 0; from < all.size(); from += BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            for (String collection : collections) {
                for (Document document : database.getCollection(collection)
                        .find(Filters.in("_id", batch))
                        .projection(Projections.include("_id"))) {
                    found.add(String.valueOf(document.get("_id")));
                }
            }
        }
        synchronized (this) {
            stored.addAll(found);
            for (Map.Entry<Object, Set<String>> entry : pending.entrySet()) {
                entry.getValue().removeAll(found);
                if (entry.getValue().isEmpty()) {
                    recoveredAt.putIfAbsent(entry.getKey(), now);
                }
            }
            pending.values().removeIf(Set::isEmpty);
        }
    }

    /** Milliseconds from the fault's end until MongoDB held every event committed by then; -1 if never seen. */
    public synchronized long recoveryMs(Object fault) {
        Long recovered = recoveredAt.get(fault);
        return recovered == null ? -1 : Math.max(0, recovered - endedAt.get(fault));
    }

    /** Ids still awaited for the fault (0 once it caught up). */
    public synchronized int stillMissing(Object fault) {
        return pending.getOrDefault(fault, Set.of()).size();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
