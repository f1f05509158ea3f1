package dev.outboxkit.mongo.write;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.bson.Document;
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
 * Creates each collection's indexes once per task, before its first write: aggregateId + timestamp for reading an
 * aggregate's history, and a TTL index on timestamp when retention is configured. Creating an index that exists
 * is a no-op, so every task may do it.
 */
final class CollectionSetup {

    private static final Logger log = LoggerFactory.getLogger(CollectionSetup.class);
    static final String HISTORY_INDEX = "aggregateId_timestamp";
    static final String TTL_INDEX = "timestamp_ttl";
    /** Index exists with other options (85) or another key pattern under that name (86). */
    private static final Set<Integer> INDEX_CONFLICT_CODES = Set.of(85, 86);

    private final MongoDatabase database;
    private final boolean createIndexes;
    private final long ttlSeconds;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    CollectionSetup(MongoDatabase database, boolean createIndexes, long ttlSeconds) {
        this.database = database;
        this.createIndexes = createIndexes;
        this.ttlSeconds = ttlSeconds;
    }

    void ensure(String collectionName) throws TransientWriteException {
        if (ready.contains(collectionName)) {
            return;
        }
        MongoCollection<Document> collection = database.getCollection(collectionName);
        try {
            if (createIndexes) {
                createIndex(collection, Indexes.ascending(EventDocumentConverter.AGGREGATE_ID, EventDocumentConverter.TIMESTAMP),
                        new IndexOptions().name(HISTORY_INDEX));
            }
            if (ttlSeconds > 0) {
                createIndex(collection, Indexes.ascending(EventDocumentConverter.TIMESTAMP),
                        new IndexOptions().name(TTL_INDEX).expireAfter(ttlSeconds, TimeUnit.SECONDS));
            }
        } catch (MongoException e) {
            if (FailureClassifier.isTransient(e)) {
                throw new TransientWriteException(BulkEventWriter.describe(e, collectionName), e);
            }
            throw e;
        }
        ready.add(collectionName);
    }

    private static void createIndex(MongoCollection<Document> collection, org.bson.conversions.Bson keys, IndexOptions options) {
        try {
            collection.createIndex(keys, options);
        } catch (MongoCommandException e) {
            if (!INDEX_CONFLICT_CODES.contains(e.getErrorCode())) {
                throw e;
            }
            log.warn("Index {} on collection {} exists with other options (code {}); keeping the existing one. Drop it to"
                    + " apply the configured options.", options.getName(), collection.getNamespace().getCollectionName(),
                    e.getErrorCode());
        }
    }
}
