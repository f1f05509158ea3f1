package dev.outboxkit.mongo.convert;

import java.util.Map;
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
import org.bson.BsonBinaryWriter;
import org.bson.BsonInvalidOperationException;
import org.bson.BsonSerializationException;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.BsonValueCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.bson.json.JsonParseException;
import org.bson.json.JsonReader;

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
    private static final EncoderContext ENCODER_CONTEXT = EncoderContext.builder().build();
    private static final BsonValueCodec VALUE_CODEC = new BsonValueCodec();

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

        BsonDocument metadata = new BsonDocument(AGGREGATE_TYPE, BsonValues.toBson(aggregateType, null, AGGREGATE_TYPE))
                .append(AGGREGATE_ID, BsonValues.toBson(aggregateId, null, AGGREGATE_ID))
                .append(EVENT_TYPE, BsonValues.toBson(eventType, null, EVENT_TYPE))
                .append(TIMESTAMP, record.timestamp() == null ? BsonNull.VALUE : new BsonDateTime(record.timestamp()))
                .append(KAFKA, new BsonDocument("topic", new BsonString(record.topic()))
                        .append("partition", new BsonInt32(record.kafkaPartition()))
                        .append("offset", new BsonInt64(record.kafkaOffset())));
        RawBsonDocument encoded = config.payloadMode() == PayloadMode.NESTED
                ? encodeNested(id, metadata, record)
                : encodeMerged(id, metadata, record);
        if (encoded.getByteBuffer().remaining() > MAX_DOCUMENT_BYTES) {
            throw new ConversionException("the event document is " + encoded.getByteBuffer().remaining()
                    + " bytes, over MongoDB's limit of " + MAX_DOCUMENT_BYTES + " bytes");
        }
        return new EventDocument(record, collection, id, encoded);
    }

    /**
     * Writes the document straight to BSON bytes; a JSON object payload is streamed from its text into the
     * document (the driver's JSON reader piped into the binary writer), with no document tree in between.
     */
    private static RawBsonDocument encodeNested(BsonValue id, BsonDocument metadata, SinkRecord record)
            throws ConversionException {
        BsonValue payload = null;
        String json = BsonValues.jsonText(record.value());
        String jsonObject = json != null && json.charAt(0) == '{' ? json : null;
        if (jsonObject == null) {
            payload = BsonValues.payload(record.value(), record.valueSchema());
        }
        BasicOutputBuffer buffer = new BasicOutputBuffer(jsonObject == null ? 512 : jsonObject.length() + 256);
        try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
            writer.writeStartDocument();
            writeField(writer, ID, id);
            for (Map.Entry<String, BsonValue> field : metadata.entrySet()) {
                writeField(writer, field.getKey(), field.getValue());
            }
            writer.writeName(PAYLOAD);
            if (jsonObject != null) {
                try (JsonReader reader = new JsonReader(jsonObject)) {
                    writer.pipe(reader);
                } catch (JsonParseException | BsonInvalidOperationException | BsonSerializationException e) {
                    throw new ConversionException("the payload looks like JSON but does not parse");
                }
            } else {
                VALUE_CODEC.encode(writer, payload, ENCODER_CONTEXT);
            }
            writer.writeEndDocument();
        }
        return new RawBsonDocument(buffer.getInternalBuffer(), 0, buffer.getPosition());
    }

    private static RawBsonDocument encodeMerged(BsonValue id, BsonDocument metadata, SinkRecord record)
            throws ConversionException {
        BsonValue payload = BsonValues.payload(record.value(), record.valueSchema());
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
        BsonDocument document = new BsonDocument(ID, id);
        document.putAll(fields);
        document.putAll(metadata);
        return new RawBsonDocument(document, CODEC);
    }

    private static void writeField(BsonBinaryWriter writer, String name, BsonValue value) {
        writer.writeName(name);
        if (value instanceof BsonString string) {
            writer.writeString(string.getValue());
        } else {
            VALUE_CODEC.encode(writer, value, ENCODER_CONTEXT);
        }
    }
}
