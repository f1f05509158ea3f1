package dev.outboxkit.mongo.write;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.errors.ConnectException;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;

import dev.outboxkit.mongo.SinkConfig.WriteMode;
import dev.outboxkit.mongo.convert.EventDocument;

/**
 * Writes the events of one collection in one unordered bulk write, so that one failing document never blocks
 * the others, and sorts every result by the {@link FailureClassifier}'s verdict: stored, duplicate, rejected
 * (with its reason), retry the batch ({@link TransientWriteException}) or stop the task ({@link ConnectException}).
 *
 * <p>Insert mode keeps the first event of each id (later ones in the batch are duplicates before they reach
 * MongoDB); replace mode keeps the last, so the latest version wins even though the bulk write is unordered.
 */
final class BulkEventWriter implements CollectionWriter {

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private final MongoDatabase database;
    private final WriteMode mode;

    BulkEventWriter(MongoDatabase database, WriteMode mode) {
        this.database = database;
        this.mode = mode;
    }

    @Override
    public WriteOutcome write(String collectionName, List<EventDocument> events) throws TransientWriteException {
        WriteOutcome outcome = new WriteOutcome();
        List<EventDocument> unique = mode == WriteMode.INSERT ? firstPerId(events, outcome) : lastPerId(events);
        List<WriteModel<RawBsonDocument>> models = new ArrayList<>(unique.size());
        for (EventDocument event : unique) {
            models.add(
                    mode == WriteMode.INSERT
                            ? new InsertOneModel<>(event.document())
                            : new ReplaceOneModel<>(new BsonDocument("_id", event.id()), event.document(), UPSERT));
        }
        MongoCollection<RawBsonDocument> collection = database.getCollection(collectionName, RawBsonDocument.class);
        try {
            collection.bulkWrite(models, UNORDERED);
            outcome.stored += unique.size();
        } catch (MongoBulkWriteException e) {
            sortWriteErrors(e, unique, outcome, collection, collectionName);
        } catch (MongoException e) {
            String reason = describe(e, collectionName);
            switch (FailureClassifier.ofException(e)) {
                case REJECT ->
                    unique.forEach(event -> outcome.rejected.add(new WriteOutcome.Rejected(
                            event,
                            "MongoDB refused the write: " + reason + ": "
                                    + FailureClassifier.safeMessage(e.getMessage()))));
                case STOP -> throw stop(reason + ": " + FailureClassifier.safeMessage(e.getMessage()), e);
                default ->
                    throw new TransientWriteException(
                            reason + ": " + FailureClassifier.safeMessage(e.getMessage()),
                            e,
                            FailureClassifier.retryAfterMs(e.getMessage()).orElse(-1));
            }
        }
        return outcome;
    }

    /**
     * Sorts the per-document errors of an unordered bulk write: the documents without an error are stored (and stay
     * stored: on a retry they are duplicates, and the first write wins), duplicates are counted, the record's own
     * faults are rejected with their reason, and any other error retries the batch, honouring the longest wait the
     * server asked for. A write concern error means the documents were applied but not yet as durably as asked:
     * the batch is retried too.
     */
    private void sortWriteErrors(
            MongoBulkWriteException e,
            List<EventDocument> written,
            WriteOutcome outcome,
            MongoCollection<RawBsonDocument> target,
            String collection)
            throws TransientWriteException {
        if (e.getWriteConcernError() != null) {
            throw new TransientWriteException(
                    "write concern not satisfied on collection " + collection + " (code "
                            + e.getWriteConcernError().getCode() + " "
                            + e.getWriteConcernError().getCodeName() + ": "
                            + FailureClassifier.safeMessage(
                                    e.getWriteConcernError().getMessage()) + ")",
                    e,
                    FailureClassifier.retryAfterMs(e.getWriteConcernError().getMessage())
                            .orElse(-1));
        }
        Set<BsonValue> stored = storedAmong(unnamedDuplicates(e, written), target, collection, e);
        BulkWriteError retried = null;
        int toRetry = 0;
        long retryAfterMs = -1;
        for (BulkWriteError error : e.getWriteErrors()) {
            int code = error.getCode();
            BsonValue id = written.get(error.getIndex()).id();
            switch (FailureClassifier.ofWriteError(
                    code, error.getMessage(), error.getDetails(), mode, () -> stored.contains(id))) {
                case DUPLICATE -> outcome.duplicates++;
                case REJECT ->
                    outcome.rejected.add(new WriteOutcome.Rejected(
                            written.get(error.getIndex()),
                            "MongoDB rejected the document (collection " + collection + ", error code " + code + ": "
                                    + rejectReason(code, error.getMessage()) + ")"));
                default -> {
                    toRetry++;
                    retried = retried == null ? error : retried;
                    retryAfterMs = Math.max(
                            retryAfterMs,
                            FailureClassifier.retryAfterMs(error.getMessage()).orElse(-1));
                }
            }
        }
        if (retried != null) {
            throw new TransientWriteException(
                    toRetry + " of " + written.size() + " documents not stored on collection "
                            + collection + " (first: write error code " + retried.getCode() + ": "
                            + FailureClassifier.safeMessage(retried.getMessage()) + ")",
                    e,
                    retryAfterMs);
        }
        outcome.stored += written.size() - e.getWriteErrors().size();
    }

    /**
     * The ids of documents refused with a duplicate key on an index the error does not name (Azure Cosmos DB says
     * only "Failed _id or unique index constraint"): whether each is a duplicate or breaks another unique index
     * depends on whether its id is stored.
     */
    private static List<BsonValue> unnamedDuplicates(MongoBulkWriteException e, List<EventDocument> written) {
        List<BsonValue> ids = new ArrayList<>();
        for (BulkWriteError error : e.getWriteErrors()) {
            if (error.getCode() == FailureClassifier.DUPLICATE_KEY
                    && !FailureClassifier.namesItsIndex(error.getMessage(), error.getDetails())) {
                ids.add(written.get(error.getIndex()).id());
            }
        }
        return ids;
    }

    /** Which of these ids are stored, read in one query (none asked: none read). */
    private static Set<BsonValue> storedAmong(
            List<BsonValue> ids,
            MongoCollection<RawBsonDocument> target,
            String collection,
            MongoBulkWriteException cause)
            throws TransientWriteException {
        Set<BsonValue> stored = new HashSet<>();
        if (ids.isEmpty()) {
            return stored;
        }
        try {
            target.find(Filters.in("_id", ids))
                    .projection(Projections.include("_id"))
                    .forEach(doc -> stored.add(doc.get("_id")));
        } catch (MongoException e) {
            cause.addSuppressed(e);
            throw new TransientWriteException(
                    "cannot tell duplicates from unique-index violations on collection " + collection + " ("
                            + describe(e, collection) + ")",
                    cause);
        }
        return stored;
    }

    private static String rejectReason(int code, String serverMessage) {
        String why = FailureClassifier.recordFaultReason(code);
        String server = FailureClassifier.safeMessage(serverMessage);
        return why == null ? server : why + "; server said: " + server;
    }

    static ConnectException stop(String reason, MongoException e) {
        return new ConnectException(
                "MongoDB refused the sink's access, which no retry fixes: " + reason
                        + ". Check the connection string's credentials and the user's roles (readWrite on the database);"
                        + " restarting the task after the fix resumes from the last committed offsets",
                e);
    }

    private static List<EventDocument> firstPerId(List<EventDocument> events, WriteOutcome outcome) {
        Map<BsonValue, EventDocument> first = new LinkedHashMap<>(events.size() * 2);
        for (EventDocument event : events) {
            if (first.putIfAbsent(event.id(), event) != null) {
                outcome.duplicates++;
            }
        }
        return first.size() == events.size() ? events : new ArrayList<>(first.values());
    }

    private static List<EventDocument> lastPerId(List<EventDocument> events) {
        Map<BsonValue, EventDocument> last = new LinkedHashMap<>(events.size() * 2);
        for (EventDocument event : events) {
            last.remove(event.id());
            last.put(event.id(), event);
        }
        return last.size() == events.size() ? events : new ArrayList<>(last.values());
    }

    static String describe(MongoException e, String collection) {
        return e.getClass().getSimpleName() + " (code " + e.getCode() + ") writing to collection " + collection;
    }
}
