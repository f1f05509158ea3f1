package dev.outboxkit.mongo.convert;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/** One record made ready to write: its collection, its event id and the encoded document. */
public record EventDocument(SinkRecord record, String collection, BsonValue id, RawBsonDocument document) {
}
