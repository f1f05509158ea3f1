package dev.outboxkit.mongo.write;

import java.io.IOException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bson.BsonDocument;

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

import dev.outboxkit.mongo.SinkConfig.WriteMode;

/**
 * The one place that decides what a MongoDB failure means for the sink:
 * <ul>
 *   <li>{@link Verdict#DUPLICATE}: the event id is already stored (insert mode, a duplicate key on {@code _id} only);</li>
 *   <li>{@link Verdict#REJECT}: these records can never be stored as they are: they go to the dead letter queue
 *       with the reason, and the rest of the batch is stored;</li>
 *   <li>{@link Verdict#RETRY}: MongoDB cannot take writes now (network, elections, timeouts): the batch is retried
 *       with back-off, which is safe because writes are idempotent by event id;</li>
 *   <li>{@link Verdict#STOP}: trouble no retry and no record can fix (authentication, permissions, an unknown
 *       server error): the task fails with the reason and commits nothing past what MongoDB acknowledged.</li>
 * </ul>
 * A record that cannot be converted at all is always {@link Verdict#REJECT}; that needs no classifying.
 */
public final class FailureClassifier {

    /** What a failure means for the records it concerns. */
    public enum Verdict { DUPLICATE, REJECT, RETRY, STOP }

    static final int DUPLICATE_KEY = 11000;
    private static final String ID_INDEX = "_id_";
    private static final Pattern DUPLICATE_INDEX = Pattern.compile("index: (\\S+) dup key");

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

    /**
     * Errors on a whole write that concern its collection or its documents, not the task: the records go to the
     * dead letter queue (their collection cannot hold them), and other collections go on.
     */
    private static final Set<Integer> COLLECTION_CODES = Set.of(
            2, // BadValue
            22, // InvalidBSON
            67, // CannotCreateIndex
            73, // InvalidNamespace
            85, // IndexOptionsConflict
            86, // IndexKeySpecsConflict
            121, // DocumentValidationFailure
            166, // CommandNotSupportedOnView
            10080, // namespace name too long (older servers)
            10334, // BSONObjectTooLarge
            17280); // KeyTooLong

    private FailureClassifier() {
    }

    /** One document's error inside an unordered bulk write. */
    static Verdict ofWriteError(int code, String message, BsonDocument details, WriteMode mode) {
        if (code == DUPLICATE_KEY) {
            if (!isIdIndex(message, details)) {
                return Verdict.REJECT; // a unique index of the user's: this event breaks it, and is not stored
            }
            // In replace mode an _id clash is a concurrent upsert of the same id; repeating the write settles it. In
            // latest mode it is the conditional upsert finding a version at least as high (the writer checks once more).
            return mode == WriteMode.REPLACE ? Verdict.RETRY : Verdict.DUPLICATE;
        }
        return TRANSIENT_CODES.contains(code) ? Verdict.RETRY : Verdict.REJECT;
    }

    /** An exception that failed a whole write (or an index operation) on one collection. */
    static Verdict ofException(MongoException e) {
        if (e instanceof MongoSecurityException) {
            // The driver wraps socket errors during the handshake in a security exception: classify by cause.
            return causedByNetwork(e) ? Verdict.RETRY : Verdict.STOP;
        }
        if (e instanceof MongoSocketException || e instanceof MongoTimeoutException || e instanceof MongoNotPrimaryException
                || e instanceof MongoNodeIsRecoveringException || e instanceof MongoWriteConcernException
                || e instanceof MongoExecutionTimeoutException) {
            return Verdict.RETRY;
        }
        if (e.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL) || e.hasErrorLabel("RetryableWriteError")) {
            return Verdict.RETRY;
        }
        if (e instanceof MongoServerException server) {
            int code = server.getCode();
            if (TRANSIENT_CODES.contains(code)) {
                return Verdict.RETRY;
            }
            return COLLECTION_CODES.contains(code) ? Verdict.REJECT : Verdict.STOP;
        }
        // Client-side trouble such as a cleared connection pool or a full wait queue.
        return e instanceof MongoClientException ? Verdict.RETRY : Verdict.STOP;
    }

    /** Whether a failure during a connection check is the network's (MongoDB unreachable) rather than a mistake. */
    public static boolean isNetworkFailure(MongoException e) {
        return e instanceof MongoTimeoutException || e instanceof MongoSocketException || causedByNetwork(e);
    }

    private static boolean causedByNetwork(Throwable e) {
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof MongoSocketException || cause instanceof MongoTimeoutException || cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a duplicate-key error is on _id; when the error does not say which index, it is not assumed to be. */
    private static boolean isIdIndex(String message, BsonDocument details) {
        if (details != null && details.isDocument("keyPattern")) {
            BsonDocument pattern = details.getDocument("keyPattern");
            return pattern.size() == 1 && pattern.containsKey("_id");
        }
        if (message == null) {
            return false;
        }
        Matcher matcher = DUPLICATE_INDEX.matcher(message);
        return matcher.find() && matcher.group(1).equals(ID_INDEX);
    }

    /**
     * A server message fit for a dead letter reason: cut before any key values it quotes (they come from the
     * document), and short.
     */
    static String safeMessage(String message) {
        if (message == null) {
            return "no message";
        }
        int values = message.indexOf(" dup key");
        String safe = values >= 0 ? message.substring(0, values) : message;
        return safe.length() <= 160 ? safe : safe.substring(0, 160) + "...";
    }
}
