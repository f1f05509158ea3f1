package dev.outboxkit.mongo.write;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bson.BsonDocument;

import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;

import dev.outboxkit.mongo.SinkConfig.WriteMode;

/**
 * The one place that decides what a MongoDB failure means for the sink:
 * <ul>
 *   <li>{@link Verdict#DUPLICATE}: the event id is already stored (insert mode, a duplicate key on {@code _id} only);</li>
 *   <li>{@link Verdict#REJECT}: the server refused this document for something in the document itself, so no retry can
 *       ever store it: it goes to the dead letter queue with the reason, and the rest of the batch is stored. Only
 *       the codes listed in {@link #RECORD_FAULTS} (and a duplicate on a unique index other than {@code _id}) are
 *       such faults;</li>
 *   <li>{@link Verdict#RETRY}: everything else. The environment, not the record, is at fault (throttling, elections,
 *       shutdown, a write concern not met, a full disk, an exhausted quota, a code this class does not know): the
 *       batch is retried with back-off, which is safe because writes are idempotent by event id, and after
 *       {@code retry.timeout.ms} the task stops with the last reason. Such a record never reaches the dead letter
 *       queue;</li>
 *   <li>{@link Verdict#STOP}: the sink's own access is refused (authentication, a missing privilege): no retry and no
 *       record fixes it, so the task fails at once with the reason and commits nothing past what MongoDB
 *       acknowledged; a restart after the operator's fix resumes there.</li>
 * </ul>
 * A record that cannot be converted at all is always {@link Verdict#REJECT}; that needs no classifying. The README's
 * "Delivery guarantees and failures" table lists the same classes.
 */
public final class FailureClassifier {

    /** What a failure means for the records it concerns. */
    public enum Verdict {
        DUPLICATE,
        REJECT,
        RETRY,
        STOP
    }

    static final int DUPLICATE_KEY = 11000;
    private static final String ID_INDEX = "_id_";
    private static final Pattern DUPLICATE_INDEX = Pattern.compile("index: (\\S+) dup key");
    /** Azure Cosmos DB's hint in a throttling message ("Error=16500, RetryAfterMs=12, Details=..."). */
    private static final Pattern RETRY_AFTER_MS = Pattern.compile("RetryAfterMs=(\\d{1,9})");

    /**
     * Per-document codes that are certainly the document's own fault: the server refuses this document, whatever the
     * state of the deployment, so the record goes to the dead letter queue. Each with the reason it belongs here.
     * A per-document code not listed here is retried, never dead-lettered.
     */
    static final Map<Integer, String> RECORD_FAULTS = Map.of(
            121, "DocumentValidationFailure: the collection's validator refuses this document",
            10334, "BSONObjectTooLarge: the document exceeds MongoDB's 16 MiB limit",
            17280, "KeyTooLong: an indexed value of this document exceeds the index key size limit",
            22, "InvalidBSON: the server cannot read this document's BSON",
            52, "DollarPrefixedFieldName: a field name of this document starts with $ where the server refuses it",
            53, "InvalidIdField: the server refuses this document's _id value",
            55, "InvalidDBRef: a $ref/$id field of this document is malformed",
            56, "EmptyFieldName: a field name of this document is empty where the server refuses it",
            57, "DottedFieldName: a field name of this document contains a dot where the server refuses it");

    /**
     * Codes on a whole write that mean the sink's own access is refused: STOP at once. Retrying cannot restore a
     * revoked role or a wrong password, and a task that fails says so where operators look (the task's state).
     */
    private static final Map<Integer, String> ACCESS_REFUSED = Map.of(
            13, "Unauthorized: the sink's user lacks a privilege (a role removed or changed)",
            18, "AuthenticationFailed: the sink's credentials are refused");

    /**
     * Codes (on a whole write, or per document on some servers) that concern the name of the collection these
     * records resolved to (from their topic or headers through collection.template): no retry makes the name valid,
     * and other collections go on.
     */
    private static final Map<Integer, String> NAMESPACE_FAULTS = Map.of(
            73, "InvalidNamespace: the collection name resolved for these records is not valid",
            10080, "the collection name resolved for these records is too long (older servers)");

    private FailureClassifier() {}

    /** One document's error inside an unordered bulk write, where a duplicate key names its index. */
    static Verdict ofWriteError(int code, String message, BsonDocument details, WriteMode mode) {
        return ofWriteError(code, message, details, mode, () -> false);
    }

    /**
     * One document's error inside an unordered bulk write. {@code idStored} says whether a document with this event's
     * id is stored; it is asked only for a duplicate key whose error names no index (Azure Cosmos DB's "Failed _id or
     * unique index constraint"), which is then a duplicate when the id is stored and another unique index otherwise.
     */
    static Verdict ofWriteError(
            int code, String message, BsonDocument details, WriteMode mode, BooleanSupplier idStored) {
        if (code == DUPLICATE_KEY) {
            boolean onId = namesItsIndex(message, details) ? isIdIndex(message, details) : idStored.getAsBoolean();
            if (!onId) {
                // A unique index of the user's: this event breaks it and is not stored. Retrying would meet the same
                // key again; the dead letter queue keeps the record.
                return Verdict.REJECT;
            }
            // In replace mode an _id clash is a concurrent upsert of the same id; repeating the write settles it. In
            // latest mode it is the conditional upsert finding a version at least as high (the writer checks once
            // more).
            return mode == WriteMode.REPLACE ? Verdict.RETRY : Verdict.DUPLICATE;
        }
        // A namespace code reported per document (some servers do) is the same fault as on the whole write.
        return RECORD_FAULTS.containsKey(code) || NAMESPACE_FAULTS.containsKey(code) ? Verdict.REJECT : Verdict.RETRY;
    }

    /** An exception that failed a whole write (or an index operation) on one collection. */
    static Verdict ofException(MongoException e) {
        if (e instanceof MongoSecurityException) {
            // The driver wraps socket errors during the handshake in a security exception: classify by cause.
            return causedByNetwork(e) ? Verdict.RETRY : Verdict.STOP;
        }
        if (e instanceof MongoServerException server) {
            if (ACCESS_REFUSED.containsKey(server.getCode())) {
                return Verdict.STOP;
            }
            if (NAMESPACE_FAULTS.containsKey(server.getCode())) {
                return Verdict.REJECT;
            }
        }
        // The network, elections, shutdown, time limits, write concern, throttling, a full disk or quota, and codes
        // this class does not know: the deployment's state, not the records'. Bounded by retry.timeout.ms.
        return Verdict.RETRY;
    }

    /** Why a per-document code is the record's own fault, for the dead letter reason; null when it is not one. */
    static String recordFaultReason(int code) {
        return RECORD_FAULTS.getOrDefault(code, NAMESPACE_FAULTS.get(code));
    }

    /** How long the server asked the client to wait before retrying, when its message says (Cosmos DB's RetryAfterMs). */
    static OptionalLong retryAfterMs(String message) {
        if (message == null) {
            return OptionalLong.empty();
        }
        Matcher matcher = RETRY_AFTER_MS.matcher(message);
        return matcher.find() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
    }

    /** Whether a failure during a connection check is the network's (MongoDB unreachable) rather than a mistake. */
    public static boolean isNetworkFailure(MongoException e) {
        return e instanceof MongoTimeoutException || e instanceof MongoSocketException || causedByNetwork(e);
    }

    private static boolean causedByNetwork(Throwable e) {
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof MongoSocketException
                    || cause instanceof MongoTimeoutException
                    || cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a duplicate-key error says which index it is on (MongoDB does; Azure Cosmos DB does not). */
    static boolean namesItsIndex(String message, BsonDocument details) {
        return details != null && details.isDocument("keyPattern")
                || message != null && DUPLICATE_INDEX.matcher(message).find();
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
     * A server message fit for a dead letter reason or a log line: cut before any key values or documents it quotes
     * (they come from the document), and short.
     */
    static String safeMessage(String message) {
        if (message == null) {
            return "no message";
        }
        int values = message.indexOf(" dup key");
        int quoted = message.indexOf('{'); // servers quote keys and documents in braces (e.g. KeyTooLong)
        int cut = values < 0 ? quoted : quoted < 0 ? values : Math.min(values, quoted);
        String safe = cut >= 0 ? message.substring(0, cut).stripTrailing() : message;
        return safe.length() <= 160 ? safe : safe.substring(0, 160) + "...";
    }
}
