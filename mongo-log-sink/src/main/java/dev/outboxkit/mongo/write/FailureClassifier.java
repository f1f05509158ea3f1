package dev.outboxkit.mongo.write;

import java.util.Set;

import com.mongodb.MongoClientException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;

/**
 * Tells transient MongoDB failures (worth retrying: the same write will succeed once MongoDB is back) from
 * permanent ones. Retrying is always safe here: with first-write-wins inserts a repeated write is a duplicate.
 */
final class FailureClassifier {

    /** Server error codes that mean "not now" rather than "never": network, elections, shutdown, time limits. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(
            6, // HostUnreachable
            7, // HostNotFound
            50, // MaxTimeMSExpired
            63, // StaleShardVersion
            64, // WriteConcernFailed
            89, // NetworkTimeout
            91, // ShutdownInProgress
            112, // WriteConflict
            133, // FailedToSatisfyReadPreference
            150, // StaleEpoch
            189, // PrimarySteppedDown
            262, // ExceededTimeLimit
            9001, // SocketException
            10107, // NotWritablePrimary
            11600, // InterruptedAtShutdown
            11602, // InterruptedDueToReplStateChange
            13388, // StaleConfig
            13435, // NotPrimaryNoSecondaryOk
            13436); // NotPrimaryOrSecondary

    private FailureClassifier() {
    }

    static boolean isTransient(MongoException e) {
        if (e instanceof MongoSecurityException) {
            return false;
        }
        if (e instanceof MongoSocketException || e instanceof MongoTimeoutException || e instanceof MongoNotPrimaryException
                || e instanceof MongoNodeIsRecoveringException || e instanceof MongoWriteConcernException
                || e instanceof MongoExecutionTimeoutException) {
            return true;
        }
        if (e.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL) || e.hasErrorLabel("RetryableWriteError")) {
            return true;
        }
        if (e instanceof MongoServerException server) {
            return isTransientCode(server.getCode());
        }
        // Client-side trouble such as a cleared connection pool or a full wait queue.
        return e instanceof MongoClientException;
    }

    static boolean isTransientCode(int code) {
        return TRANSIENT_CODES.contains(code);
    }
}
