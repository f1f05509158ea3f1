package dev.outboxkit.mongo.convert;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * One record made ready to write: its collection, the document's _id (the event id in the log; the aggregate's id
 * in the read model), the encoded document, and in the read model the event's version (null in the log).
 */
public record EventDocument(
        SinkRecord record, String collection, BsonValue id, RawBsonDocument document, BsonValue version) {

    public EventDocument(SinkRecord record, String collection, BsonValue id, RawBsonDocument document) {
        this(record, collection, id, document, null);
    }
}
