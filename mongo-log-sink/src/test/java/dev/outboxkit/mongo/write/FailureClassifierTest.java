package dev.outboxkit.mongo.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoCredential;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;

import dev.outboxkit.mongo.SinkConfig.WriteMode;
import dev.outboxkit.mongo.write.FailureClassifier.Verdict;

/** The one place that tells a record's failure from a retry and from a task that must stop. */
class FailureClassifierTest {

    private static final String ID_DUPLICATE = "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: \"a\" }";
    private static final String OTHER_DUPLICATE = "E11000 duplicate key error collection: db.c index: aggregate_version dup key:"
            + " { aggregateId: \"secret\", version: 1 }";

    @Test
    void onlyADuplicateKeyOnIdIsADuplicate() {
        assertThat(FailureClassifier.ofWriteError(11000, ID_DUPLICATE, new BsonDocument(), WriteMode.INSERT)).isEqualTo(Verdict.DUPLICATE);
        assertThat(FailureClassifier.ofWriteError(11000, OTHER_DUPLICATE, new BsonDocument(), WriteMode.INSERT)).isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, OTHER_DUPLICATE, new BsonDocument(), WriteMode.REPLACE)).isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, ID_DUPLICATE, new BsonDocument(), WriteMode.REPLACE)).isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofWriteError(11000, null, new BsonDocument(), WriteMode.INSERT))
                .as("an error that does not say its index is not assumed to be on _id").isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, "no index named", new BsonDocument("keyPattern",
                new BsonDocument("_id", new BsonInt32(1))), WriteMode.INSERT)).isEqualTo(Verdict.DUPLICATE);
    }

    @Test
    void aDeadLetterReasonNeverQuotesTheKeyValuesOfTheDocument() {
        assertThat(FailureClassifier.safeMessage(OTHER_DUPLICATE))
                .isEqualTo("E11000 duplicate key error collection: db.c index: aggregate_version").doesNotContain("secret");
    }

    @Test
    void aSecurityExceptionIsTransientWhenTheNetworkCausedItAndFinalOtherwise() {
        MongoCredential credential = MongoCredential.createCredential("app", "admin", "pw".toCharArray());
        MongoSecurityException network = new MongoSecurityException(credential, "Exception authenticating",
                new MongoSocketReadException("Prematurely reached end of stream", new ServerAddress()));
        MongoSecurityException socketIo = new MongoSecurityException(credential, "Exception authenticating",
                new IOException("Connection reset"));
        MongoSecurityException refused = new MongoSecurityException(credential, "Authentication failed");

        assertThat(FailureClassifier.ofException(network)).isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofException(socketIo)).isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofException(refused)).isEqualTo(Verdict.STOP);
        assertThat(FailureClassifier.isNetworkFailure(network)).isTrue();
        assertThat(FailureClassifier.isNetworkFailure(refused)).isFalse();
    }

    @Test
    void serverErrorsOnAWholeWriteAreRetriedRejectedOrStopTheTaskByCode() {
        assertThat(FailureClassifier.ofException(commandError(91))).as("ShutdownInProgress").isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofException(commandError(73))).as("InvalidNamespace").isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofException(commandError(10080))).as("namespace too long").isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofException(commandError(13))).as("Unauthorized").isEqualTo(Verdict.STOP);
    }

    private static com.mongodb.MongoCommandException commandError(int code) {
        return new com.mongodb.MongoCommandException(new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(code))
                .append("errmsg", new org.bson.BsonString("error " + code)), new ServerAddress());
    }
}
