package dev.outboxkit.mongo.write;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import dev.outboxkit.mongo.convert.EventDocumentConverter;

/**
 * Keeps each collection's indexes as configured, on a thread of its own: {@code start()} never waits for it, and a
 * write waits at most {@value #MAX_WAIT_MS} ms (writes do not need these indexes; MongoDB creates a collection on
 * its first write): aggregateId + timestamp for reading an aggregate's history, and the retention index
 * {@value #TTL_INDEX} on timestamp, whose expiry follows {@code ttl.seconds}. A changed value changes the index
 * ({@code collMod}, or drop and re-create where the server has no collMod); 0 drops the index the sink created.
 * Indexes of other names are never touched.
 *
 * <p>Each collection is prepared once per task; a failed preparation is tried again on a later write, at most
 * every {@value #RETRY_AFTER_MS} ms. The memory of prepared collections is bounded ({@value #MAX_REMEMBERED}
 * names, least recently written forgotten first), so a high-cardinality collection template cannot grow it
 * without limit; a forgotten collection is simply prepared again, which changes nothing.
 */
final class CollectionSetup implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CollectionSetup.class);
    static final String HISTORY_INDEX = "aggregateId_timestamp";
    static final String TTL_INDEX = "timestamp_ttl";
    static final String TOMBSTONE_TTL_INDEX = "deletedAt_ttl";
    static final int MAX_REMEMBERED = 10_000;
    static final long RETRY_AFTER_MS = 30_000;
    static final long MAX_WAIT_MS = 2_000;
    /** Index exists with other options (85) or another key pattern under that name (86). */
    private static final java.util.Set<Integer> INDEX_CONFLICT_CODES = java.util.Set.of(85, 86);

    private static final int COMMAND_NOT_FOUND = 59;

    private final MongoDatabase database;
    private final boolean createIndexes;
    private final long ttlSeconds;
    /** The date field the retention index is on, and the index's name (the log's events, or the read model's tombstones). */
    private final String ttlField;

    private final String ttlIndex;
    private final LongSupplier clock;
    private final int maxRemembered;
    private final ExecutorService worker;
    /** One collection's preparation: true when done, false when failed (then tried again after retryAfterMs). */
    private record Preparation(CompletableFuture<Boolean> result, long retryAfterMs) {}

    /** Per collection, its latest preparation; least recently used first. */
    private final Map<String, Preparation> state = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Preparation> eldest) {
            return size() > maxRemembered;
        }
    };

    CollectionSetup(
            MongoDatabase database, boolean createIndexes, long ttlSeconds, String threadName, LongSupplier clock) {
        this(database, createIndexes, ttlSeconds, threadName, clock, MAX_REMEMBERED);
    }

    CollectionSetup(
            MongoDatabase database,
            boolean createIndexes,
            long ttlSeconds,
            String threadName,
            LongSupplier clock,
            int maxRemembered) {
        this(
                database,
                createIndexes,
                EventDocumentConverter.TIMESTAMP,
                TTL_INDEX,
                ttlSeconds,
                threadName,
                clock,
                maxRemembered);
    }

    /** With the retention index on another date field under another name (the read model's tombstones). */
    CollectionSetup(
            MongoDatabase database,
            boolean createIndexes,
            String ttlField,
            String ttlIndex,
            long ttlSeconds,
            String threadName,
            LongSupplier clock,
            int maxRemembered) {
        this.ttlField = ttlField;
        this.ttlIndex = ttlIndex;
        this.maxRemembered = maxRemembered;
        this.database = database;
        this.createIndexes = createIndexes;
        this.ttlSeconds = ttlSeconds;
        this.clock = clock;
        this.worker = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Makes sure the collection's preparation has been asked for, and waits for it at most
     * {@value #MAX_WAIT_MS} ms, so that a collection's first write usually finds its indexes (and never races
     * their creation on servers that mind) while a slow or unreachable MongoDB cannot stall the caller.
     */
    void ensure(String collection) {
        CompletableFuture<Boolean> preparation = request(collection);
        if (preparation.isDone()) {
            return;
        }
        try {
            preparation.get(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Writes do not need the indexes; preparation goes on, or is tried again later.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<Boolean> request(String collection) {
        long now = clock.getAsLong();
        Preparation next;
        synchronized (state) {
            Preparation current = state.get(collection);
            if (current != null
                    && (!current.result().isDone() || current.result().join() || now < current.retryAfterMs())) {
                return current.result();
            }
            next = new Preparation(new CompletableFuture<>(), 0);
            state.put(collection, next);
        }
        worker.execute(() -> prepare(collection, next.result()));
        return next.result();
    }

    /**
     * At start: the collections this task is known to write, and every collection of the database that carries the
     * sink's retention index, so that a changed {@code ttl.seconds} reaches collections that get no new events.
     */
    void ensureAtStart(Iterable<String> knownCollections) {
        knownCollections.forEach(this::request);
        worker.execute(() -> {
            try {
                for (String name : database.listCollectionNames()) {
                    if (!name.startsWith("system.") && findIndex(database.getCollection(name), ttlIndex) != null) {
                        request(name);
                    }
                }
            } catch (MongoException e) {
                log.warn(
                        "Could not list the collections of database {} to update their retention index ({}); collections"
                                + " are still prepared on their next write",
                        database.getName(),
                        e.getClass().getSimpleName());
            }
        });
    }

    private void prepare(String name, CompletableFuture<Boolean> result) {
        MongoCollection<Document> collection = database.getCollection(name);
        try {
            if (createIndexes) {
                createIndex(
                        collection,
                        Indexes.ascending(EventDocumentConverter.AGGREGATE_ID, EventDocumentConverter.TIMESTAMP),
                        new IndexOptions().name(HISTORY_INDEX));
            }
            reconcileRetention(collection);
            result.complete(true);
        } catch (MongoException e) {
            log.warn(
                    "Could not prepare the indexes of collection {} ({}, code {}); writes go on, and it is tried again on"
                            + " a write after {} ms",
                    name,
                    e.getClass().getSimpleName(),
                    e.getCode(),
                    RETRY_AFTER_MS);
            synchronized (state) {
                state.put(name, new Preparation(result, clock.getAsLong() + RETRY_AFTER_MS));
            }
            result.complete(false);
        }
    }

    private void reconcileRetention(MongoCollection<Document> collection) {
        Document existing = findIndex(collection, ttlIndex);
        if (ttlSeconds <= 0) {
            if (existing != null) {
                collection.dropIndex(ttlIndex);
                log.info("Dropped retention index {} of collection {}: ttl.seconds is 0", ttlIndex, name(collection));
            }
            return;
        }
        IndexOptions options = new IndexOptions().name(ttlIndex).expireAfter(ttlSeconds, TimeUnit.SECONDS);
        Bson keys = Indexes.ascending(ttlField);
        if (existing == null) {
            createIndex(collection, keys, options);
            return;
        }
        Object current = existing.get("expireAfterSeconds");
        if (current instanceof Number number && number.longValue() == ttlSeconds) {
            return;
        }
        try {
            database.runCommand(new Document("collMod", name(collection))
                    .append("index", new Document("name", ttlIndex).append("expireAfterSeconds", ttlSeconds)));
        } catch (MongoCommandException e) {
            if (e.getErrorCode() != COMMAND_NOT_FOUND) {
                throw e;
            }
            collection.dropIndex(ttlIndex);
            createIndex(collection, keys, options);
        }
        log.info(
                "Changed retention index {} of collection {} from {} to {} seconds",
                ttlIndex,
                name(collection),
                current,
                ttlSeconds);
    }

    private static Document findIndex(MongoCollection<Document> collection, String indexName) {
        for (Document index : collection.listIndexes()) {
            if (indexName.equals(index.getString("name"))) {
                return index;
            }
        }
        return null;
    }

    private static void createIndex(MongoCollection<Document> collection, Bson keys, IndexOptions options) {
        try {
            collection.createIndex(keys, options);
        } catch (MongoCommandException e) {
            if (!INDEX_CONFLICT_CODES.contains(e.getErrorCode())) {
                throw e;
            }
            log.warn(
                    "Index {} on collection {} exists with other options (code {}); keeping the existing one. Drop it to"
                            + " apply the configured options.",
                    options.getName(),
                    name(collection),
                    e.getErrorCode());
        }
    }

    private static String name(MongoCollection<?> collection) {
        return collection.getNamespace().getCollectionName();
    }

    /** Whether a collection's preparation has finished successfully. */
    boolean isPrepared(String collection) {
        synchronized (state) {
            Preparation current = state.get(collection);
            return current != null
                    && current.result().isDone()
                    && current.result().join();
        }
    }

    /** Whether a collection's latest preparation has failed (it is tried again after {@value #RETRY_AFTER_MS} ms). */
    boolean hasFailed(String collection) {
        synchronized (state) {
            Preparation current = state.get(collection);
            return current != null
                    && current.result().isDone()
                    && !current.result().join();
        }
    }

    int remembered() {
        synchronized (state) {
            return state.size();
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
