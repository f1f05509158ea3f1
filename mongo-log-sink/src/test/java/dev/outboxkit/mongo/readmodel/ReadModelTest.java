package dev.outboxkit.mongo.readmodel;

import static dev.outboxkit.mongo.readmodel.ReadModelRecords.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.SinkConfig;
import dev.outboxkit.mongo.readmodel.ReadModelRecords.Event;
import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/** The read model ({@code write.mode=latest}) at task level: deletes, versions that do not compare, ids, options. */
class ReadModelTest {

    private static final MongoTestServer MONGO = MongoTestServer.shared();
    private static final BsonString ORDER_1 = new BsonString("Order:o1");

    private static RunningSink sink(String... overrides) {
        String[] all = new String[overrides.length + 4];
        all[0] = "write.mode";
        all[1] = "latest";
        all[2] = "latest.delete.event.types";
        all[3] = "OrderDeleted, OrderPurged";
        System.arraycopy(overrides, 0, all, 4, overrides.length);
        return new RunningSink(MONGO, true, all);
    }

    private static BsonDocument stored(RunningSink sink, BsonValue id) {
        return sink.stored(ReadModelRecords.TOPIC).get(id);
    }

    @Test
    void aDeletionLeavesAVersionedTombstoneThatOlderEventsDoNotReviveButANewerOneDoes() {
        try (RunningSink sink = sink()) {
            Event created = new Event("o1", 1, "OrderCreated");
            Event changed = new Event("o1", 2, "OrderChanged");
            Event deleted = new Event("o1", 3, "OrderDeleted");
            Event recreated = new Event("o1", 4, "OrderCreated");
            sink.put(List.of(created.at(0, 0), deleted.at(0, 1)));
            assertThat(stored(sink, ORDER_1)).isEqualTo(deleted.expectedDocument(true, 0, 1));

            // An older update arriving after the deletion (a replay, another partition, a late task).
            sink.put(List.of(changed.at(0, 2)));
            sink.put(List.of(created.at(0, 3), changed.at(0, 4)));
            assertThat(stored(sink, ORDER_1)).isEqualTo(deleted.expectedDocument(true, 0, 1));

            sink.put(List.of(recreated.at(0, 5)));
            assertThat(stored(sink, ORDER_1)).isEqualTo(recreated.expectedDocument(false, 0, 5));
            assertThat(sink.deadLettered()).isEmpty();
        }
    }

    @Test
    void recordsWithoutAUsableVersionGoToTheDeadLetterQueueWithTheReasonAndTheRestIsStored() {
        try (RunningSink sink = sink()) {
            List<SinkRecord> batch = List.of(
                    record(0, 10, "e0", "o1", "OrderChanged", "5", "{\"ok\":true}", 1L),
                    record(0, 11, "e1", "o2", "OrderChanged", null, "{}", 1L),
                    record(0, 12, "e2", "o3", "OrderChanged", "abc", "{}", 1L),
                    record(0, 13, "e3", "o4", "OrderChanged", "-4", "{}", 1L),
                    record(0, 14, "e4", "o5", "OrderChanged", "1.5", "{}", 1L),
                    record(0, 15, "e5", "o6", "OrderChanged", "1".repeat(35), "{}", 1L),
                    record(0, 16, "e6", "o7", "OrderChanged", "", "{}", 1L),
                    record(0, 17, "e7", "o8", "OrderChanged", "1".repeat(34), "{\"big\":true}", 1L));
            sink.put(batch);
            Map<Long, String> reasons = sink.deadLettered();
            assertThat(reasons).containsOnlyKeys(11L, 12L, 13L, 14L, 15L, 16L);
            assertThat(reasons.get(11L))
                    .isEqualTo(
                            "Record outbox.event.Order-0@11 cannot be stored: the record has no"
                                    + " version (option latest.version.sources = [header:aggregateVersion, header:outbox.source.version])");
            assertThat(reasons.get(12L))
                    .isEqualTo("Record outbox.event.Order-0@12 cannot be stored: the version from"
                            + " header:aggregateVersion is text that is not a non-negative integer of at most 34 digits, so it does"
                            + " not compare (option latest.version.sources; a version is a non-negative integer)");
            assertThat(reasons.get(13L)).contains("@13 ").contains("text that is not a non-negative integer");
            assertThat(reasons.get(14L)).contains("@14 ").contains("text that is not a non-negative integer");
            assertThat(reasons.get(15L)).contains("@15 ").contains("at most 34 digits");
            assertThat(reasons.get(16L)).contains("@16 ").contains("is empty text");
            assertThat(sink.stored(ReadModelRecords.TOPIC).keySet())
                    .containsExactlyInAnyOrder(ORDER_1, new BsonString("Order:o8"));
            assertThat(stored(sink, new BsonString("Order:o8")).get("version"))
                    .isEqualTo(new BsonDecimal128(Decimal128.parse("1".repeat(34))));
        }
    }

    @Test
    void theVersionMayComeFromANumericHeaderOrTheKafkaOffsetAsALastResort() {
        try (RunningSink sink = sink("latest.version.sources", "header:missing,kafka.offset")) {
            sink.put(List.of(record(0, 7, "e7", "o1", "OrderChanged", null, "{\"n\":7}", 1L)));
            sink.put(List.of(record(0, 3, "e3", "o1", "OrderChanged", null, "{\"n\":3}", 1L)));
            assertThat(stored(sink, ORDER_1).get("version")).isEqualTo(new BsonInt64(7));
            assertThat(stored(sink, ORDER_1).getString("eventId").getValue()).isEqualTo("e7");
        }
    }

    @Test
    void theDocumentIdCanBeTheAggregateIdAloneAndThePayloadMerged() {
        try (RunningSink sink = sink("latest.id", "${aggregateId}", "payload.mode", "merged")) {
            sink.put(List.of(new Event("o1", 2, "OrderChanged").at(0, 0), new Event("o1", 1, "OrderCreated").at(0, 1)));
            BsonDocument doc = stored(sink, new BsonString("o1"));
            assertThat(doc.getString("status").getValue()).isEqualTo("s2");
            assertThat(doc.getInt64("version").getValue()).isEqualTo(2);
            assertThat(doc.containsKey("payload")).isFalse();
        }
    }

    @Test
    void aMergedPayloadFieldNamedLikeAReadModelFieldIsDeadLettered() {
        try (RunningSink sink = sink("payload.mode", "merged")) {
            sink.put(List.of(record(0, 0, "e0", "o1", "OrderChanged", "1", "{\"version\":3}", 1L)));
            assertThat(sink.deadLettered().get(0L)).contains("payload field 'version' collides");
        }
    }

    @Test
    void tombstonesGetATtlIndexOnDeletedAtAndLiveDocumentsNone() throws Exception {
        try (RunningSink sink = sink("latest.tombstone.ttl.seconds", "86400")) {
            sink.put(List.of(new Event("o1", 1, "OrderDeleted").at(0, 0)));
            long deadline = System.currentTimeMillis() + 10_000;
            Document ttl = null;
            while (ttl == null && System.currentTimeMillis() < deadline) {
                for (Document index :
                        sink.database().getCollection(ReadModelRecords.TOPIC).listIndexes()) {
                    if (index.getString("name").equals("deletedAt_ttl")) {
                        ttl = index;
                    }
                }
                if (ttl == null) {
                    Thread.onSpinWait();
                }
            }
            assertThat(ttl).as("index deletedAt_ttl within 10 s").isNotNull();
            assertThat(ttl.get("key", Document.class)).isEqualTo(new Document("deletedAt", 1));
            assertThat(((Number) ttl.get("expireAfterSeconds")).longValue()).isEqualTo(86_400L);
            List<String> names = new java.util.ArrayList<>();
            sink.database()
                    .getCollection(ReadModelRecords.TOPIC)
                    .listIndexes()
                    .forEach(i -> names.add(i.getString("name")));
            assertThat(names).containsExactlyInAnyOrder("_id_", "deletedAt_ttl");
        }
    }

    @Test
    void logRetentionIsRefusedWithTheReadModelSinceItWouldDeleteCurrentAggregates() {
        assertThatThrownBy(() -> new SinkConfig(Map.of(
                        "connection.uri",
                        "mongodb://h/",
                        "database",
                        "d",
                        "write.mode",
                        "latest",
                        "ttl.seconds",
                        "60")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("latest.tombstone.ttl.seconds");
        assertThatThrownBy(() -> new SinkConfig(
                        Map.of("connection.uri", "mongodb://h/", "database", "d", "latest.id", "${aggregateType}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must contain ${aggregateId}");
        assertThatThrownBy(() -> new SinkConfig(
                        Map.of("connection.uri", "mongodb://h/", "database", "d", "latest.version.sources", "topic")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("a topic name is no version");
    }
}
