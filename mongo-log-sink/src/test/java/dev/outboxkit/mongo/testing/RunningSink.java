package dev.outboxkit.mongo.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.BsonValue;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.mongo.MongoLogSinkTask;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * One sink task started against the test MongoDB in a database of its own, with a dead letter queue stand-in
 * (or none), and what it stored and reported. For task-level tests; the worker itself runs in the pipeline tests.
 */
public final class RunningSink implements AutoCloseable {

    private final MongoTestServer mongo;
    private final TestSinkContext context;
    private final MongoLogSinkTask task = new MongoLogSinkTask();
    private final String database;

    public RunningSink(MongoTestServer mongo, boolean deadLetterQueue, String... overrides) {
        this.mongo = mongo;
        this.context = new TestSinkContext(deadLetterQueue);
        this.database = MongoTestServer.uniqueDatabase("sink");
        Map<String, String> props = new HashMap<>();
        props.put("name", "test-sink");
        props.put("connection.uri", mongo.uri());
        props.put("database", database);
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        task.initialize(context);
        task.start(props);
    }

    public void put(Collection<SinkRecord> records) {
        task.put(records);
    }

    public MongoLogSinkTask task() {
        return task;
    }

    public String databaseName() {
        return database;
    }

    public MongoDatabase database() {
        return mongo.client().getDatabase(database);
    }

    /** Every stored document of the collection, by _id, as BSON (exact types). */
    public Map<BsonValue, BsonDocument> stored(String collection) {
        Map<BsonValue, BsonDocument> documents = new LinkedHashMap<>();
        database()
                .getCollection(collection, BsonDocument.class)
                .find()
                .forEach(doc -> documents.put(doc.get("_id"), doc));
        return documents;
    }

    /** What went to the dead letter queue: offset → reason. */
    public Map<Long, String> deadLettered() {
        Map<Long, String> reasons = new LinkedHashMap<>();
        for (TestSinkContext.Reported reported : context.reported()) {
            reasons.put(reported.record().kafkaOffset(), reported.error().getMessage());
        }
        return reasons;
    }

    public List<TestSinkContext.Reported> reported() {
        return new ArrayList<>(context.reported());
    }

    public TestSinkContext context() {
        return context;
    }

    @Override
    public void close() {
        task.stop();
    }
}
