package dev.outboxkit.mongo.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;

import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * The server behaviour the read model's writes rely on, checked against the test server (the in-JVM one, or a real
 * MongoDB at MONGODB_URI): a replace with upsert whose filter is {_id, version &lt; v} replaces an older document,
 * and on a newer or equal one fails with a duplicate key on _id (code 11000) instead of writing; Int64 and
 * Decimal128 versions compare as numbers.
 */
class ConditionalUpsertServerTest {

    private static final MongoTestServer MONGO = MongoTestServer.shared();

    private final MongoCollection<BsonDocument> collection =
            MONGO.client().getDatabase(MongoTestServer.uniqueDatabase("upsert")).getCollection("c", BsonDocument.class);

    private static ReplaceOneModel<BsonDocument> write(String id, org.bson.BsonValue version, String payload) {
        return new ReplaceOneModel<>(
                Filters.and(Filters.eq("_id", id), Filters.lt("version", version)),
                new BsonDocument("_id", new BsonString(id))
                        .append("version", version)
                        .append("p", new BsonString(payload)),
                new ReplaceOptions().upsert(true));
    }

    @Test
    void olderReplacedNewerKeptWithDuplicateKey() {
        collection.bulkWrite(List.of(write("a", new BsonInt64(5), "v5")));
        collection.bulkWrite(List.of(write("a", new BsonInt64(7), "v7")));
        assertThatThrownBy(() -> collection.bulkWrite(
                        List.of(write("a", new BsonInt64(6), "v6"), write("b", new BsonInt64(1), "b1")),
                        new BulkWriteOptions().ordered(false)))
                .isInstanceOfSatisfying(MongoBulkWriteException.class, e -> {
                    assertThat(e.getWriteErrors()).hasSize(1);
                    assertThat(e.getWriteErrors().get(0).getCode()).isEqualTo(11000);
                    assertThat(e.getWriteErrors().get(0).getIndex()).isEqualTo(0);
                });
        assertThatThrownBy(() -> collection.bulkWrite(List.of(write("a", new BsonInt64(7), "again"))))
                .isInstanceOf(MongoBulkWriteException.class);
        assertThat(collection
                        .find(Filters.eq("_id", "a"))
                        .first()
                        .getString("p")
                        .getValue())
                .isEqualTo("v7");
        assertThat(collection
                        .find(Filters.eq("_id", "b"))
                        .first()
                        .getString("p")
                        .getValue())
                .isEqualTo("b1");
    }

    @Test
    void decimalAndLongVersionsCompareAsNumbers() {
        collection.bulkWrite(List.of(write("a", new BsonInt64(5), "v5")));
        collection.bulkWrite(
                List.of(write("a", new BsonDecimal128(Decimal128.parse("100000000000000000000000")), "big")));
        assertThatThrownBy(() -> collection.bulkWrite(List.of(write("a", new BsonInt64(Long.MAX_VALUE), "long"))))
                .isInstanceOf(MongoBulkWriteException.class);
        assertThat(collection
                        .find(Filters.eq("_id", "a"))
                        .first()
                        .getString("p")
                        .getValue())
                .isEqualTo("big");
        collection.bulkWrite(
                List.of(write("a", new BsonDecimal128(Decimal128.parse("100000000000000000000001")), "bigger")));
        assertThat(collection
                        .find(Filters.eq("_id", "a"))
                        .first()
                        .getString("p")
                        .getValue())
                .isEqualTo("bigger");
    }
}
