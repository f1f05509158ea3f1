package dev.outboxkit.mongo.write;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;

import dev.outboxkit.mongo.SinkConfig.WriteMode;
import dev.outboxkit.mongo.convert.EventDocument;
import dev.outboxkit.mongo.convert.EventDocumentConverter;
import dev.outboxkit.mongo.write.FailureClassifier.Verdict;

/**
 * The read model's write strategy ({@code write.mode=latest}): one document per aggregate, replaced only by a higher
 * version, the comparison and the write being one server-side operation. Each aggregate's document is written with
 * a replace whose filter is {@code {_id, version < v}} and upsert: MongoDB replaces an older document atomically;
 * when none matches it tries an insert, which fails with a duplicate key on {@code _id} if the aggregate has a
 * document with an equal or higher version. Nothing is read first, so two tasks (or a task and a zombie) cannot
 * interleave into an older state.
 *
 * <p>A duplicate key can also mean a concurrent first write of the same aggregate won the insert; those writes are
 * sent once more, when the document exists and the filter decides. A second duplicate key means the stored version
 * is at least as high: the event is counted as a duplicate. Within a batch only the highest version of each
 * aggregate is written (the others are duplicates before they reach MongoDB).
 */
final class ReadModelWriter implements CollectionWriter {

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private final MongoDatabase database;

    ReadModelWriter(MongoDatabase database) {
        this.database = database;
    }

    @Override
    public WriteOutcome write(String collectionName, List<EventDocument> events) throws TransientWriteException {
        WriteOutcome outcome = new WriteOutcome();
        List<EventDocument> pending = highestPerAggregate(events, outcome);
        MongoCollection<RawBsonDocument> collection = database.getCollection(collectionName, RawBsonDocument.class);
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<WriteModel<RawBsonDocument>> models = new ArrayList<>(pending.size());
            for (EventDocument event : pending) {
                models.add(new ReplaceOneModel<>(newerThanStored(event), event.document(), UPSERT));
            }
            try {
                collection.bulkWrite(models, UNORDERED);
                outcome.stored += pending.size();
                pending = List.of();
            } catch (MongoBulkWriteException e) {
                pending = sortWriteErrors(e, pending, outcome, collectionName, attempt == 1);
            } catch (MongoException e) {
                String reason = BulkEventWriter.describe(e, collectionName);
                switch (FailureClassifier.ofException(e)) {
                    case RETRY -> throw new TransientWriteException(reason, e);
                    case REJECT ->
                        pending.forEach(event -> outcome.rejected.add(new WriteOutcome.Rejected(
                                event,
                                "MongoDB refused the write: " + reason + ": "
                                        + FailureClassifier.safeMessage(e.getMessage()))));
                    default -> throw BulkEventWriter.stop(reason, e);
                }
                pending = List.of();
            }
        }
        return outcome;
    }

    /** {_id: the aggregate's id, version: {$lt: this event's version}}. */
    private static BsonDocument newerThanStored(EventDocument event) {
        return new BsonDocument(EventDocumentConverter.ID, event.id())
                .append(EventDocumentConverter.VERSION, new BsonDocument("$lt", event.version()));
    }

    /** Sorts the errors; returns the writes to send once more (a duplicate key on the first attempt). */
    private static List<EventDocument> sortWriteErrors(
            MongoBulkWriteException e,
            List<EventDocument> written,
            WriteOutcome outcome,
            String collection,
            boolean firstAttempt)
            throws TransientWriteException {
        if (e.getWriteConcernError() != null) {
            throw new TransientWriteException(
                    "write concern not satisfied on collection " + collection + " (code "
                            + e.getWriteConcernError().getCode() + ")",
                    e);
        }
        List<EventDocument> again = new ArrayList<>();
        for (BulkWriteError error : e.getWriteErrors()) {
            int code = error.getCode();
            EventDocument event = written.get(error.getIndex());
            Verdict verdict =
                    FailureClassifier.ofWriteError(code, error.getMessage(), error.getDetails(), WriteMode.LATEST);
            switch (verdict) {
                case DUPLICATE -> {
                    if (firstAttempt) {
                        again.add(event);
                    } else {
                        outcome.duplicates++;
                    }
                }
                case REJECT ->
                    outcome.rejected.add(new WriteOutcome.Rejected(
                            event,
                            "MongoDB rejected the document (collection " + collection + ", error code " + code + ": "
                                    + FailureClassifier.safeMessage(error.getMessage()) + ")"));
                case RETRY ->
                    throw new TransientWriteException("write error code " + code + " on collection " + collection, e);
                default -> throw BulkEventWriter.stop("write error code " + code + " on collection " + collection, e);
            }
        }
        outcome.stored += written.size() - e.getWriteErrors().size();
        return again;
    }

    /** The highest version of each aggregate, in first-seen order; the others count as duplicates. */
    static List<EventDocument> highestPerAggregate(List<EventDocument> events, WriteOutcome outcome) {
        Map<BsonValue, EventDocument> highest = new LinkedHashMap<>(events.size() * 2);
        for (EventDocument event : events) {
            EventDocument current = highest.get(event.id());
            if (current == null) {
                highest.put(event.id(), event);
            } else {
                outcome.duplicates++;
                if (compare(event.version(), current.version()) > 0) {
                    highest.put(event.id(), event);
                }
            }
        }
        return highest.size() == events.size() ? events : new ArrayList<>(highest.values());
    }

    /** Versions are Int64 or Decimal128 (see VersionSource), compared as numbers as MongoDB does. */
    static int compare(BsonValue a, BsonValue b) {
        if (a.isInt64() && b.isInt64()) {
            return Long.compare(a.asInt64().getValue(), b.asInt64().getValue());
        }
        return decimal(a).compareTo(decimal(b));
    }

    private static BigDecimal decimal(BsonValue version) {
        return version.isInt64()
                ? BigDecimal.valueOf(version.asInt64().getValue())
                : version.asDecimal128().getValue().bigDecimalValue();
    }
}
