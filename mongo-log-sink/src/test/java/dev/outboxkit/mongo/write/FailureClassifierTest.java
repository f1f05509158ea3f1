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

    private static final String ID_DUPLICATE =
            "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: \"a\" }";
    private static final String OTHER_DUPLICATE =
            "E11000 duplicate key error collection: db.c index: aggregate_version dup key:"
                    + " { aggregateId: \"secret\", version: 1 }";

    @Test
    void onlyADuplicateKeyOnIdIsADuplicate() {
        assertThat(FailureClassifier.ofWriteError(11000, ID_DUPLICATE, new BsonDocument(), WriteMode.INSERT))
                .isEqualTo(Verdict.DUPLICATE);
        assertThat(FailureClassifier.ofWriteError(11000, OTHER_DUPLICATE, new BsonDocument(), WriteMode.INSERT))
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, OTHER_DUPLICATE, new BsonDocument(), WriteMode.REPLACE))
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, ID_DUPLICATE, new BsonDocument(), WriteMode.REPLACE))
                .isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofWriteError(11000, null, new BsonDocument(), WriteMode.INSERT))
                .as("an error that does not say its index is not assumed to be on _id")
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(
                        11000,
                        "no index named",
                        new BsonDocument("keyPattern", new BsonDocument("_id", new BsonInt32(1))),
                        WriteMode.INSERT))
                .isEqualTo(Verdict.DUPLICATE);
    }

    @Test
    void aDuplicateKeyThatNamesNoIndexIsADuplicateOnlyWhenTheIdIsStored() {
        String cosmos = "E11000 duplicate key error collection: db.c Failed _id or unique index constraint.";
        assertThat(FailureClassifier.namesItsIndex(cosmos, new BsonDocument())).isFalse();
        assertThat(FailureClassifier.ofWriteError(11000, cosmos, new BsonDocument(), WriteMode.INSERT, () -> true))
                .isEqualTo(Verdict.DUPLICATE);
        assertThat(FailureClassifier.ofWriteError(11000, cosmos, new BsonDocument(), WriteMode.INSERT, () -> false))
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofWriteError(11000, cosmos, new BsonDocument(), WriteMode.REPLACE, () -> true))
                .isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofWriteError(
                        11000, OTHER_DUPLICATE, new BsonDocument(), WriteMode.INSERT, () -> true))
                .as("an error that names its index is believed")
                .isEqualTo(Verdict.REJECT);
    }

    @Test
    void aDeadLetterReasonNeverQuotesTheKeyValuesOfTheDocument() {
        assertThat(FailureClassifier.safeMessage(OTHER_DUPLICATE))
                .isEqualTo("E11000 duplicate key error collection: db.c index: aggregate_version")
                .doesNotContain("secret");
        assertThat(FailureClassifier.safeMessage(
                        "WiredTigerIndex::insert: key too large to index, failing 1034" + " { : \"secret-value\" }"))
                .isEqualTo("WiredTigerIndex::insert: key too large to index, failing 1034");
    }

    @Test
    void aSecurityExceptionIsTransientWhenTheNetworkCausedItAndFinalOtherwise() {
        MongoCredential credential = MongoCredential.createCredential("app", "admin", "pw".toCharArray());
        MongoSecurityException network = new MongoSecurityException(
                credential,
                "Exception authenticating",
                new MongoSocketReadException("Prematurely reached end of stream", new ServerAddress()));
        MongoSecurityException socketIo =
                new MongoSecurityException(credential, "Exception authenticating", new IOException("Connection reset"));
        MongoSecurityException refused = new MongoSecurityException(credential, "Authentication failed");

        assertThat(FailureClassifier.ofException(network)).isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofException(socketIo)).isEqualTo(Verdict.RETRY);
        assertThat(FailureClassifier.ofException(refused)).isEqualTo(Verdict.STOP);
        assertThat(FailureClassifier.isNetworkFailure(network)).isTrue();
        assertThat(FailureClassifier.isNetworkFailure(refused)).isFalse();
    }

    @Test
    void onlyTheListedPerDocumentCodesAreTheRecordsOwnFault() {
        for (int code : new int[] {121, 10334, 17280, 22, 52, 53, 55, 56, 57, 73, 10080}) {
            assertThat(FailureClassifier.ofWriteError(code, "refused", new BsonDocument(), WriteMode.INSERT))
                    .as("code " + code)
                    .isEqualTo(Verdict.REJECT);
            assertThat(FailureClassifier.recordFaultReason(code))
                    .as("code " + code + " says why")
                    .isNotBlank();
        }
    }

    @Test
    void everyOtherPerDocumentCodeIsRetriedNeverDeadLettered() {
        // Throttling (Cosmos DB), time limits, elections, shutdown, write concern, disk and quota, lock and write
        // conflicts, and a code nobody has seen: the environment's state, not the document's.
        for (int code : new int[] {
            16500, 50, 262, 91, 11600, 11602, 189, 10107, 13435, 13436, 9001, 64, 100, 14031, 12501, 8000, 112, 2, 1, 8,
            99999
        }) {
            assertThat(FailureClassifier.ofWriteError(code, "error " + code, new BsonDocument(), WriteMode.INSERT))
                    .as("code " + code)
                    .isEqualTo(Verdict.RETRY);
            assertThat(FailureClassifier.ofWriteError(code, "error " + code, new BsonDocument(), WriteMode.REPLACE))
                    .as("code " + code + " in replace mode")
                    .isEqualTo(Verdict.RETRY);
        }
    }

    @Test
    void aThrottledWriteCarriesTheServersRetryHint() {
        assertThat(FailureClassifier.retryAfterMs("Error=16500, RetryAfterMs=12, Details='Response status code does not"
                        + " indicate success: TooManyRequests (429)'"))
                .hasValue(12);
        assertThat(FailureClassifier.retryAfterMs("Request rate is large")).isEmpty();
        assertThat(FailureClassifier.retryAfterMs(null)).isEmpty();
    }

    @Test
    void serverErrorsOnAWholeWriteAreRetriedUnlessTheSinksAccessIsRefusedOrTheCollectionNameIsInvalid() {
        for (int code : new int[] {
            91, 11600, 189, 10107, 13435, 9001, 64, 100, 262, 50, 16500, 14031, 12501, 8000, 2, 121, 10334, 166, 99999
        }) {
            assertThat(FailureClassifier.ofException(commandError(code)))
                    .as("command error " + code)
                    .isEqualTo(Verdict.RETRY);
        }
        assertThat(FailureClassifier.ofException(commandError(73)))
                .as("InvalidNamespace")
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofException(commandError(10080)))
                .as("namespace too long")
                .isEqualTo(Verdict.REJECT);
        assertThat(FailureClassifier.ofException(commandError(13)))
                .as("Unauthorized")
                .isEqualTo(Verdict.STOP);
        assertThat(FailureClassifier.ofException(commandError(18)))
                .as("AuthenticationFailed")
                .isEqualTo(Verdict.STOP);
    }

    private static com.mongodb.MongoCommandException commandError(int code) {
        return new com.mongodb.MongoCommandException(
                new BsonDocument("ok", new BsonInt32(0))
                        .append("code", new BsonInt32(code))
                        .append("errmsg", new org.bson.BsonString("error " + code)),
                new ServerAddress());
    }
}
