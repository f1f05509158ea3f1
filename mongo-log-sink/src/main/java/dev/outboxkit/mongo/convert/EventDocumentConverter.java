package dev.outboxkit.mongo.convert;

import java.util.Set;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

import dev.outboxkit.mongo.CollectionTemplate;
import dev.outboxkit.mongo.SinkConfig;
import dev.outboxkit.mongo.SinkConfig.PayloadMode;

/**
 * A {@link SinkRecord} to the stored event document:
 * <pre>
 * { _id: event id, aggregateType, aggregateId, eventType, timestamp: date,
 *   kafka: { topic, partition, offset }, payload: ... }
 * </pre>
 * With {@code payload.mode=merged} the payload's fields stand at the top level instead of under {@code payload}.
 * A record that cannot be stored (no event id, a value with no BSON form, a document over 16 MiB, an invalid
 * collection name) is a {@link ConversionException}, which the writer reports per record.
 */
public final class EventDocumentConverter {

    public static final String ID = "_id";
    public static final String AGGREGATE_TYPE = "aggregateType";
    public static final String AGGREGATE_ID = "aggregateId";
    public static final String EVENT_TYPE = "eventType";
    public static final String TIMESTAMP = "timestamp";
    public static final String KAFKA = "kafka";
    public static final String PAYLOAD = "payload";
    public static final Set<String> METADATA_FIELDS = Set.of(ID, AGGREGATE_TYPE, AGGREGATE_ID, EVENT_TYPE, TIMESTAMP, KAFKA);

    /** MongoDB's limit on one document. */
    public static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    private final SinkConfig config;

    public EventDocumentConverter(SinkConfig config) {
        this.config = config;
    }

    public EventDocument convert(SinkRecord record) throws ConversionException {
        Object eventId = ValueSource.firstOf(config.eventIdSources(), record);
        if (eventId == null) {
            throw new ConversionException("the record has no event id (option " + SinkConfig.EVENT_ID_SOURCES + " = "
                    + config.eventIdSources() + ")");
        }
        BsonValue id = BsonValues.toBson(eventId, null, ID);
        if (id instanceof BsonArray) {
            throw new ConversionException("the event id is an array, which MongoDB does not allow as _id");
        }
        Object aggregateType = ValueSource.firstOf(config.aggregateTypeSources(), record);
        Object eventType = ValueSource.firstOf(config.eventTypeSources(), record);
        Object aggregateId = ValueSource.firstOf(config.aggregateIdSources(), record);

        String collection = config.collection().resolve(record.topic(), aggregateType, eventType);
        String problem = collection.isEmpty() ? "it is empty" : CollectionTemplate.nameProblem(collection);
        if (problem != null) {
            throw new ConversionException("the collection name made by option " + SinkConfig.COLLECTION + " is invalid: "
                    + problem);
        }

        BsonDocument document = new BsonDocument(ID, id);
        BsonValue payload = BsonValues.payload(record.value(), record.valueSchema());
        if (config.payloadMode() == PayloadMode.MERGED) {
            if (!(payload instanceof BsonDocument fields)) {
                throw new ConversionException("option " + SinkConfig.PAYLOAD_MODE + "=merged needs a payload that is a"
                        + " document, but it is a " + payload.getBsonType().name().toLowerCase());
            }
            for (String name : fields.keySet()) {
                if (METADATA_FIELDS.contains(name)) {
                    throw new ConversionException("payload field '" + name + "' collides with the metadata field of that"
                            + " name (option " + SinkConfig.PAYLOAD_MODE + "=merged)");
                }
            }
            document.putAll(fields);
        }
        document.put(AGGREGATE_TYPE, BsonValues.toBson(aggregateType, null, AGGREGATE_TYPE));
        document.put(AGGREGATE_ID, BsonValues.toBson(aggregateId, null, AGGREGATE_ID));
        document.put(EVENT_TYPE, BsonValues.toBson(eventType, null, EVENT_TYPE));
        document.put(TIMESTAMP, record.timestamp() == null ? BsonNull.VALUE : new BsonDateTime(record.timestamp()));
        document.put(KAFKA, new BsonDocument("topic", new BsonString(record.topic()))
                .append("partition", new BsonInt32(record.kafkaPartition()))
                .append("offset", new BsonInt64(record.kafkaOffset())));
        if (config.payloadMode() == PayloadMode.NESTED) {
            document.put(PAYLOAD, payload);
        }

        RawBsonDocument encoded = new RawBsonDocument(document, CODEC);
        if (encoded.getByteBuffer().remaining() > MAX_DOCUMENT_BYTES) {
            throw new ConversionException("the event document is " + encoded.getByteBuffer().remaining()
                    + " bytes, over MongoDB's limit of " + MAX_DOCUMENT_BYTES + " bytes");
        }
        return new EventDocument(record, collection, id, encoded);
    }
}
