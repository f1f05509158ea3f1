package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * One error boundary per record: whatever goes wrong with one record sends it to the dead letter queue with a
 * reason naming topic-partition@offset, and the rest of its batch is stored. The task never fails for a record.
 */
class RecordBoundaryTest {

    private static final String TOPIC = "outbox.event.Order";
    private static final MongoTestServer mongo = MongoTestServer.shared();

    private static SinkRecord json(long offset, String id, String payload) {
        return event("Order", 0, offset, id, "o-1", "T", payload);
    }

    private static String nested(String open, String close, int levels) {
        return open.repeat(levels) + close.repeat(levels);
    }

    @Test
    void hostileRecordsGoToTheDeadLetterQueueWithTheirPlaceWhileTheRestOfTheBatchIsStored() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(
                    json(0, "good-0", "{\"ok\":0}"),
                    json(1, "deep-array", nested("[", "]", 5_000)),
                    json(2, "deep-object", "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)),
                    json(3, "too-many-digits", "{\"n\":1234567890123456789012345678901234567890}"),
                    json(4, "nan", "{\"n\":NaN}"),
                    json(5, "good-5", "{\"ok\":5}")));

            assertThat(sink.stored(TOPIC).keySet()).containsExactly(new BsonString("good-0"), new BsonString("good-5"));
            assertThat(sink.deadLettered())
                    .containsExactly(
                            Map.entry(
                                    1L,
                                    "Record outbox.event.Order-0@1 cannot be stored: the payload nests deeper than MongoDB's"
                                            + " limit of 100 levels per document (line 1, column 101)"),
                            Map.entry(
                                    2L,
                                    "Record outbox.event.Order-0@2 cannot be stored: the payload nests deeper than MongoDB's"
                                            + " limit of 100 levels per document (line 1, column 497)"),
                            Map.entry(
                                    3L,
                                    "Record outbox.event.Order-0@3 cannot be stored: the payload has an integer beyond the int64"
                                            + " range with more than 34 digits (line 1, column 46)"),
                            Map.entry(
                                    4L,
                                    "Record outbox.event.Order-0@4 cannot be stored: the payload holds NaN or Infinity, which"
                                            + " are not JSON numbers (line 1, column 9)"));
        }
    }

    @Test
    void anIntegerBeyondInt64IsStoredAsDecimal128NotAFailure() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(json(0, "big", "{\"n\":12345678901234567890}")));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(sink.stored(TOPIC)
                            .get(new BsonString("big"))
                            .getDocument("payload")
                            .get("n"))
                    .isEqualTo(new BsonDecimal128(Decimal128.parse("12345678901234567890")));
        }
    }

    @Test
    void nestingUpToMongoDbsLimitIsStoredAndOneLevelMoreIsNot() {
        // The stored document is level 1 and the payload's own array level 2: 99 arrays reach level 100.
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(json(0, "at-limit", nested("[", "]", 99)), json(1, "over-limit", nested("[", "]", 100))));

            assertThat(sink.stored(TOPIC).keySet()).containsExactly(new BsonString("at-limit"));
            assertThat(sink.deadLettered()).containsOnlyKeys(1L);
        }
    }

    @Test
    void structsAndMapsNestedTooDeepAreRejectedWithoutRecursingIntoTheStack() {
        Schema schema = Schema.INT32_SCHEMA;
        Object struct = 1;
        for (int i = 0; i < 150; i++) {
            Schema outer = SchemaBuilder.struct().field("inner", schema).build();
            struct = new Struct(outer).put("inner", struct);
            schema = outer;
        }
        Object map = 1;
        for (int i = 0; i < 3_000; i++) {
            Map<String, Object> outer = new HashMap<>();
            outer.put("inner", map);
            map = outer;
        }
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(
                    event(TOPIC, 0, 0, "struct", "o-1", "T", schema, struct),
                    event(TOPIC, 0, 1, "map", "o-1", "T", null, map),
                    json(2, "fine", "{}")));

            assertThat(sink.stored(TOPIC).keySet()).containsExactly(new BsonString("fine"));
            assertThat(sink.deadLettered())
                    .hasSize(2)
                    .allSatisfy((offset, reason) -> assertThat(reason)
                            .contains("nests deeper than MongoDB's limit of 100 levels per document"));
        }
    }

    @Test
    void anIllegalOrTooLongNamespaceFromTheAggregateTypeRejectsThatRecordOnly() {
        try (RunningSink sink = new RunningSink(mongo, true, "collection", "events_${aggregateType}")) {
            List<SinkRecord> batch = new ArrayList<>();
            batch.add(withAggregateType(0, "ok-1", "Order"));
            batch.add(withAggregateType(1, "dollar", "Or$der"));
            batch.add(withAggregateType(2, "long", "X".repeat(300)));
            batch.add(withAggregateType(3, "long-with-db", "Y".repeat(255 - "events_".length())));
            batch.add(withAggregateType(4, "ok-2", "Order"));

            sink.put(batch);

            assertThat(sink.stored("events_Order").keySet())
                    .containsExactly(new BsonString("ok-1"), new BsonString("ok-2"));
            assertThat(sink.deadLettered()).containsOnlyKeys(1L, 2L, 3L);
            assertThat(sink.deadLettered().get(1L))
                    .isEqualTo("Record outbox.event.Order-0@1 cannot be stored: the collection"
                            + " name made by option collection is invalid: '$' and NUL are not allowed");
            assertThat(sink.deadLettered().get(2L)).endsWith("is invalid: longer than 255 bytes");
            assertThat(sink.deadLettered().get(3L))
                    .contains("with the database name it makes a namespace of")
                    .contains("over MongoDB's limit of 255");
        }
    }

    @Test
    void aNamespaceTheServerRefusesRejectsThatCollectionsRecordsWhileOtherCollectionsAreStored() {
        // This server allows 128-byte namespaces, below the 255 MongoDB 4.4+ allows and the sink checks: the refusal
        // comes from the server, as a collection-level error, and is classified per collection, not per task.
        de.bwaldvogel.mongo.MongoServer strict =
                new de.bwaldvogel.mongo.MongoServer(new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
        java.net.InetSocketAddress address = strict.bind();
        try (RunningSink sink = new RunningSink(
                mongo,
                true,
                "collection",
                "events_${aggregateType}",
                "connection.uri",
                "mongodb://127.0.0.1:" + address.getPort() + "/?serverSelectionTimeoutMS=3000")) {
            // One refused record per collection: this server reports only the first error of an unordered bulk write
            // on a refused namespace, where MongoDB reports one per document.
            sink.put(List.of(
                    withAggregateType(0, "ok-1", "Order"),
                    withAggregateType(1, "refused-1", "Z".repeat(150)),
                    withAggregateType(2, "ok-2", "Order")));

            assertThat(sink.deadLettered()).containsOnlyKeys(1L);
            assertThat(sink.deadLettered().get(1L))
                    .startsWith("Record outbox.event.Order-0@1 cannot be stored: MongoDB");
            try (var client = com.mongodb.client.MongoClients.create("mongodb://127.0.0.1:" + address.getPort())) {
                List<Object> ids = new ArrayList<>();
                client.getDatabase(sink.databaseName())
                        .getCollection("events_Order")
                        .find()
                        .forEach(d -> ids.add(d.get("_id")));
                assertThat(ids).containsExactly("ok-1", "ok-2");
            }
        } finally {
            strict.shutdownNow();
        }
    }

    private static SinkRecord withAggregateType(long offset, String id, String aggregateType) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("id", id);
        headers.addString("aggregateType", aggregateType);
        return new SinkRecord(
                TOPIC,
                0,
                Schema.STRING_SCHEMA,
                "o-1",
                Schema.STRING_SCHEMA,
                "{}",
                offset,
                1L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                headers);
    }

    @Test
    void aUniqueIndexOfTheUsersRejectsTheEventThatBreaksItWhileADuplicateIdIsOnlyADuplicate() {
        for (String mode : List.of("insert", "replace")) {
            try (RunningSink sink = new RunningSink(mongo, true, "payload.mode", "merged", "write.mode", mode)) {
                sink.database()
                        .getCollection(TOPIC)
                        .createIndex(
                                Indexes.ascending("aggregateId", "version"),
                                new IndexOptions().unique(true).name("aggregate_version"));

                sink.put(List.of(json(0, "ev-1", "{\"version\":1}"), json(1, "ev-2", "{\"version\":2}")));
                sink.put(List.of(json(2, "ev-3", "{\"version\":2}"), json(3, "ev-1", "{\"version\":1}")));

                Map<org.bson.BsonValue, BsonDocument> stored = sink.stored(TOPIC);
                assertThat(stored.keySet()).as(mode).containsExactly(new BsonString("ev-1"), new BsonString("ev-2"));
                assertThat(sink.deadLettered()).as(mode).containsOnlyKeys(2L);
                assertThat(sink.deadLettered().get(2L))
                        .as(mode)
                        .isEqualTo("Record outbox.event.Order-0@2 cannot be stored:"
                                + " MongoDB rejected the document (collection outbox.event.Order, error code 11000: E11000 duplicate key"
                                + " error collection: " + sink.databaseName()
                                + ".outbox.event.Order index: aggregate_version)");
            }
        }
    }
}
