package dev.outboxkit.mongo.write;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;

import dev.outboxkit.mongo.SinkConfig.WriteMode;
import dev.outboxkit.mongo.convert.EventDocument;
import dev.outboxkit.mongo.write.FailureClassifier.Verdict;

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
            models.add(mode == WriteMode.INSERT
                    ? new InsertOneModel<>(event.document())
                    : new ReplaceOneModel<>(new BsonDocument("_id", event.id()), event.document(), UPSERT));
        }
        MongoCollection<RawBsonDocument> collection = database.getCollection(collectionName, RawBsonDocument.class);
        try {
            collection.bulkWrite(models, UNORDERED);
            outcome.stored += unique.size();
        } catch (MongoBulkWriteException e) {
            sortWriteErrors(e, unique, outcome, collectionName);
        } catch (MongoException e) {
            String reason = describe(e, collectionName);
            switch (FailureClassifier.ofException(e)) {
                case RETRY -> throw new TransientWriteException(reason, e);
                case REJECT -> unique.forEach(event -> outcome.rejected.add(new WriteOutcome.Rejected(event,
                        "MongoDB refused the write: " + reason + ": " + FailureClassifier.safeMessage(e.getMessage()))));
                default -> throw stop(reason, e);
            }
        }
        return outcome;
    }

    private void sortWriteErrors(MongoBulkWriteException e, List<EventDocument> written, WriteOutcome outcome,
                                 String collection) throws TransientWriteException {
        if (e.getWriteConcernError() != null) {
            throw new TransientWriteException("write concern not satisfied on collection " + collection + " (code "
                    + e.getWriteConcernError().getCode() + ")", e);
        }
        for (BulkWriteError error : e.getWriteErrors()) {
            int code = error.getCode();
            Verdict verdict = FailureClassifier.ofWriteError(code, error.getMessage(), error.getDetails(), mode);
            switch (verdict) {
                case DUPLICATE -> outcome.duplicates++;
                case REJECT -> outcome.rejected.add(new WriteOutcome.Rejected(written.get(error.getIndex()),
                        "MongoDB rejected the document (collection " + collection + ", error code " + code + ": "
                                + FailureClassifier.safeMessage(error.getMessage()) + ")"));
                case RETRY -> throw new TransientWriteException("write error code " + code + " on collection " + collection, e);
                default -> throw stop("write error code " + code + " on collection " + collection, e);
            }
        }
        outcome.stored += written.size() - e.getWriteErrors().size();
    }

    static ConnectException stop(String reason, MongoException e) {
        return new ConnectException("MongoDB refused the sink's writes in a way no retry fixes: " + reason
                + ". Check the connection string's credentials and the user's roles (readWrite on the database)", e);
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
