package dev.outboxkit.testkit.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;

import dev.outboxkit.testkit.mongo.ScriptedMongoServer.ServerError;

/** The scripted server's replies as the real driver reads them. */
class ScriptedMongoServerTest {

    private final ScriptedMongoServer mongo = new ScriptedMongoServer();
    private final MongoCollection<Document> collection =
            mongo.client().getDatabase("scripted").getCollection("c");

    @AfterEach
    void tearDown() {
        mongo.close();
    }

    private static List<Document> docs(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> new Document("_id", id)).toList();
    }

    @Test
    void anUnorderedBulkReportsOneWriteErrorPerFailedDocumentAndStoresTheRest() {
        collection.insertMany(docs("a", "c"));
        mongo.failDocuments(ScriptedMongoServer.ids("d"), 1, ServerError.cosmosThrottled(12));

        MongoBulkWriteException e = catchThrowableOfType(
                MongoBulkWriteException.class,
                () -> collection.insertMany(docs("a", "b", "c", "d", "e"), new InsertManyOptions().ordered(false)));

        assertThat(e.getWriteErrors()).extracting(BulkWriteError::getIndex).containsExactly(0, 2, 3);
        assertThat(e.getWriteErrors()).extracting(BulkWriteError::getCode).containsExactly(11000, 11000, 16500);
        assertThat(e.getWriteErrors().get(2).getMessage()).contains("RetryAfterMs=12");
        assertThat(collection.countDocuments()).isEqualTo(4);
    }

    @Test
    void commandErrorsArriveAsTheDriverTypesWithTheirLabels() {
        mongo.failWrites(1, ServerError.notWritablePrimary());
        mongo.failWrites(1, ServerError.outOfDiskSpace());

        MongoNotPrimaryException election = catchThrowableOfType(
                MongoNotPrimaryException.class, () -> collection.insertOne(new Document("_id", "x")));
        assertThat(election.getCode()).isEqualTo(10107);
        assertThat(election.hasErrorLabel("RetryableWriteError")).isTrue();
        assertThatThrownBy(() -> collection.insertOne(new Document("_id", "x")))
                .isInstanceOf(MongoCommandException.class)
                .extracting(t -> ((MongoException) t).getCode())
                .isEqualTo(14031);
        collection.insertOne(new Document("_id", "x"));
        assertThat(collection.countDocuments()).isEqualTo(1);
    }

    @Test
    void aWriteConcernErrorComesAfterTheDocumentsWereApplied() {
        mongo.writeConcernErrorAfterApplying(1, ServerError.writeConcernTimeout());

        MongoBulkWriteException e = catchThrowableOfType(
                MongoBulkWriteException.class,
                () -> collection.insertMany(docs("a", "b"), new InsertManyOptions().ordered(false)));

        assertThat(e.getWriteConcernError().getCode()).isEqualTo(64);
        assertThat(e.getWriteErrors()).isEmpty();
        assertThat(collection.countDocuments()).isEqualTo(2);
    }
}
