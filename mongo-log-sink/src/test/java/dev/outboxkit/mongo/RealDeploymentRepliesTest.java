package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static dev.outboxkit.testkit.mongo.ScriptedMongoServer.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoNotPrimaryException;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import dev.outboxkit.mongo.testing.TestSinkContext;
import dev.outboxkit.testkit.mongo.ScriptedMongoServer;
import dev.outboxkit.testkit.mongo.ScriptedMongoServer.ServerError;

/**
 * The sink against the error replies real deployments send (replica-set elections, a write concern error after the
 * documents were applied, Azure Cosmos DB throttling part of an unordered bulk, a full disk, an Atlas quota, a role
 * removed, and one bulk holding duplicates, a validation failure and a throttled document at once), through the real
 * driver and the wire protocol ({@link ScriptedMongoServer}). For each: nothing is lost, only the record's own faults
 * reach the dead letter queue (by exact offset), the offsets offered for commit never pass a record not yet stored,
 * the retries end in success, and when they last longer than retry.timeout.ms the task stops with the reason.
 */
class RealDeploymentRepliesTest {

    private static final String TOPIC = "outbox.event.Order";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private ScriptedMongoServer mongo;
    private MongoLogSinkTask task;
    private TestSinkContext context;
    private String database;

    @BeforeEach
    void setUp() {
        mongo = new ScriptedMongoServer();
        database = "replies_" + Long.toHexString(System.nanoTime());
        context = new TestSinkContext(true);
    }

    @AfterEach
    void tearDown() {
        if (task != null) {
            task.stop();
        }
        mongo.close();
    }

    private void startTask(String... overrides) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "replies-" + Long.toHexString(System.nanoTime()));
        props.put("connection.uri", mongo.uri());
        props.put("database", database);
        props.put("retry.backoff.initial.ms", "10");
        props.put("retry.backoff.max.ms", "100");
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        task = new MongoLogSinkTask();
        task.initialize(context);
        task.start(props);
    }

    /** Events ev-0 .. ev-(count-1) at offsets 0 .. count-1 of partition 0. */
    private static List<SinkRecord> batch(int count) {
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(event("Order", 0, i, "ev-" + i, "o-" + (i % 3), "OrderCreated", "{\"n\":" + i + "}"));
        }
        return records;
    }

    private TreeSet<String> storedIds() {
        TreeSet<String> ids = new TreeSet<>();
        mongo.client()
                .getDatabase(database)
                .getCollection(TOPIC, BsonDocument.class)
                .find()
                .forEach(doc -> ids.add(doc.getString("_id").getValue()));
        return ids;
    }

    private long storedCount() {
        return mongo.client().getDatabase(database).getCollection(TOPIC).countDocuments();
    }

    private static TreeSet<String> idsExcept(int count, String... except) {
        TreeSet<String> ids = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            ids.add("ev-" + i);
        }
        List.of(except).forEach(ids::remove);
        return ids;
    }

    /** The offset the task lets the worker commit when the worker offers the end of the batch. */
    private long committable(long offered) {
        return task.preCommit(Map.of(PARTITION, new OffsetAndMetadata(offered)))
                .get(PARTITION)
                .offset();
    }

    private Map<Long, String> deadLettered() {
        Map<Long, String> reasons = new HashMap<>();
        context.reported()
                .forEach(r -> reasons.put(r.record().kafkaOffset(), r.error().getMessage()));
        return reasons;
    }

    @Test
    void aThrottledPartialBulkKeepsWhatWasStoredRetriesTheRestHonouringRetryAfterMsAndDeadLettersNothing() {
        startTask();
        List<SinkRecord> records = batch(10);
        mongo.failDocuments(ids("ev-2", "ev-5", "ev-7"), 2, ServerError.cosmosThrottled(250));

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("3 of 10 documents not stored")
                .hasMessageContaining("16500");
        assertThat(storedIds())
                .as("the documents Cosmos DB took stay stored")
                .isEqualTo(idsExcept(10, "ev-2", "ev-5", "ev-7"));
        assertThat(context.lastTimeoutMs())
                .as("the server's RetryAfterMs beats the 10 ms back-off")
                .isEqualTo(250);
        assertThat(committable(10))
                .as("no commit past the first record handed to the failed put")
                .isEqualTo(0);

        assertThatThrownBy(() -> task.put(records)).isInstanceOf(RetriableException.class);
        task.put(records);

        assertThat(storedIds()).isEqualTo(idsExcept(10));
        assertThat(storedCount()).as("each event once").isEqualTo(10);
        assertThat(context.reported())
                .as("throttling is never the record's fault")
                .isEmpty();
        assertThat(committable(10)).isEqualTo(10);
        assertThat(mongo.faultsUsedUp()).isTrue();
    }

    @Test
    void anElectionIsRetriedUntilTheNewPrimaryTakesTheWrites() {
        startTask();
        List<SinkRecord> records = batch(6);
        mongo.failWrites(1, ServerError.notWritablePrimary());
        mongo.failWrites(1, ServerError.primarySteppedDown());

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasRootCauseInstanceOf(MongoNotPrimaryException.class)
                .hasMessageContaining("10107");
        assertThat(storedCount()).isZero();
        assertThat(committable(6)).isEqualTo(0);
        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("189");
        task.put(records);

        assertThat(storedIds()).isEqualTo(idsExcept(6));
        assertThat(context.reported()).isEmpty();
        assertThat(committable(6)).isEqualTo(6);
    }

    @Test
    void aWriteConcernErrorAfterTheDocumentsWereAppliedIsRetriedAndTheRetryFindsThemAsDuplicates() {
        startTask();
        List<SinkRecord> records = batch(5);
        mongo.writeConcernErrorAfterApplying(1, ServerError.writeConcernTimeout());

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("write concern not satisfied")
                .hasMessageContaining("64");
        assertThat(storedIds()).as("applied, but not acknowledged as durable").isEqualTo(idsExcept(5));
        assertThat(committable(5))
                .as("not committed until MongoDB acknowledges them")
                .isEqualTo(0);

        task.put(records);

        assertThat(storedCount()).isEqualTo(5);
        assertThat(context.reported()).isEmpty();
        assertThat(committable(5)).isEqualTo(5);
    }

    @Test
    void aFullDiskAndAnExhaustedQuotaAreRetriedUntilTheOperatorMakesRoom() {
        startTask();
        List<SinkRecord> records = batch(4);
        mongo.failWrites(1, ServerError.outOfDiskSpace());
        mongo.failWrites(1, ServerError.atlasOverQuota());
        mongo.failWrites(1, ServerError.interruptedAtShutdown());

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("14031");
        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("8000");
        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("11600");
        assertThat(storedCount()).isZero();
        assertThat(committable(4)).isEqualTo(0);
        task.put(records);

        assertThat(storedIds()).isEqualTo(idsExcept(4));
        assertThat(context.reported()).isEmpty();
        assertThat(committable(4)).isEqualTo(4);
    }

    @Test
    void oneBulkWithDuplicatesAValidationFailureAndAThrottledDocumentDeadLettersOnlyTheInvalidOne() {
        startTask();
        mongo.client()
                .getDatabase(database)
                .getCollection(TOPIC, BsonDocument.class)
                .insertOne(new BsonDocument("_id", new BsonString("ev-1")).append("stored", new BsonString("before")));
        List<SinkRecord> records = batch(8);
        mongo.failDocuments(ids("ev-3"), Integer.MAX_VALUE, ServerError.documentValidationFailure());
        mongo.failDocuments(ids("ev-5"), 1, ServerError.cosmosThrottled(20));

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("1 of 8 documents not stored");
        assertThat(context.reported())
                .as("nothing is dead-lettered before the batch is settled")
                .isEmpty();
        assertThat(committable(8)).isEqualTo(0);

        task.put(records);

        assertThat(deadLettered()).as("only the document the validator refuses").containsOnlyKeys(3L);
        assertThat(deadLettered().get(3L))
                .contains("outbox.event.Order-0@3")
                .contains("121")
                .contains("DocumentValidationFailure");
        assertThat(storedIds()).isEqualTo(idsExcept(8, "ev-3"));
        assertThat(storedCount()).isEqualTo(7);
        assertThat(mongo.client()
                        .getDatabase(database)
                        .getCollection(TOPIC, BsonDocument.class)
                        .find(new BsonDocument("_id", new BsonString("ev-1")))
                        .first()
                        .getString("stored")
                        .getValue())
                .as("first write wins")
                .isEqualTo("before");
        assertThat(committable(8)).isEqualTo(8);
    }

    @Test
    void
            withCosmosDbsDuplicateKeysThatNameNoIndexARetryFindsStoredIdsAsDuplicatesAndDeadLettersOnlyAnotherUniqueIndex() {
        startTask();
        mongo.client()
                .getDatabase(database)
                .getCollection(TOPIC)
                .createIndex(Indexes.ascending("aggregateId"), new IndexOptions().unique(true));
        mongo.answerDuplicatesLikeCosmosDb();
        List<SinkRecord> records = List.of(
                event("Order", 0, 0, "ev-0", "o-0", "OrderCreated", "{}"),
                event("Order", 0, 1, "ev-1", "o-1", "OrderCreated", "{}"),
                event("Order", 0, 2, "ev-2", "o-2", "OrderCreated", "{}"),
                event("Order", 0, 3, "ev-3", "o-0", "OrderCreated", "{}"), // breaks the unique index on aggregateId
                event("Order", 0, 4, "ev-4", "o-4", "OrderCreated", "{}"));
        mongo.failDocuments(ids("ev-2", "ev-4"), 1, ServerError.cosmosThrottled(20));

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("2 of 5 documents not stored");
        assertThat(storedIds()).containsExactly("ev-0", "ev-1");

        task.put(records); // ev-0 and ev-1 now meet "Failed _id or unique index constraint" too

        assertThat(deadLettered())
                .as("only the event that breaks the other unique index")
                .containsOnlyKeys(3L);
        assertThat(deadLettered().get(3L)).contains("outbox.event.Order-0@3").contains("11000");
        assertThat(storedIds()).containsExactly("ev-0", "ev-1", "ev-2", "ev-4");
        assertThat(committable(5)).isEqualTo(5);
    }

    @Test
    void replaceModeRetriesAThrottledPartialBulkToo() {
        startTask("write.mode", "replace");
        List<SinkRecord> records = batch(6);
        mongo.failDocuments(ids("ev-0", "ev-4"), 1, ServerError.cosmosThrottled(15));

        assertThatThrownBy(() -> task.put(records))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("2 of 6 documents not stored");
        assertThat(storedIds()).isEqualTo(idsExcept(6, "ev-0", "ev-4"));
        task.put(records);

        assertThat(storedIds()).isEqualTo(idsExcept(6));
        assertThat(context.reported()).isEmpty();
        assertThat(committable(6)).isEqualTo(6);
    }

    @Test
    void throttlingLongerThanTheRetryTimeoutStopsTheTaskWithTheReasonNeverTheDeadLetterQueue() {
        startTask("retry.timeout.ms", "0");
        List<SinkRecord> records = batch(5);
        mongo.failDocuments(ids("ev-1"), Integer.MAX_VALUE, ServerError.cosmosThrottled(20));

        assertThatThrownBy(() -> task.put(records))
                .isExactlyInstanceOf(ConnectException.class)
                .hasMessageContaining("retry.timeout.ms=0")
                .hasMessageContaining("write error code 16500");
        assertThat(context.reported()).isEmpty();
        assertThat(committable(5)).isEqualTo(0);
        assertThat(storedIds()).isEqualTo(idsExcept(5, "ev-1"));
    }

    @Test
    void aRemovedRoleStopsTheTaskAtOnceWithTheReason() {
        startTask("retry.timeout.ms", "-1");
        List<SinkRecord> records = batch(3);
        mongo.failWrites(1, ServerError.unauthorized());

        assertThatThrownBy(() -> task.put(records))
                .isExactlyInstanceOf(ConnectException.class)
                .hasMessageContaining("code 13")
                .hasMessageContaining("roles");
        assertThat(context.reported()).isEmpty();
        assertThat(storedCount()).isZero();
        assertThat(committable(3)).isEqualTo(0);
    }
}
