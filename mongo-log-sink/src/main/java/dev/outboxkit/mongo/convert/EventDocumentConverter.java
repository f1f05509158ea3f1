package dev.outboxkit.mongo.convert;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonBinary;
import org.bson.BsonBinaryWriter;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonValueCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

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
 * The payload is stored as sent: JSON text (a String, or bytes that are valid UTF-8) through {@link PlainJson},
 * other text (and other valid UTF-8 bytes) as a string, bytes that are not UTF-8 as binary, Structs and Maps
 * through {@link BsonValues}. A record that
 * cannot be stored exactly (no usable event id, a value with no exact BSON form, MongoDB's limits on nesting,
 * document size and namespace length, an invalid collection name) is a {@link ConversionException}, which the
 * writer sends to the dead letter queue with its reason.
 */
public final class EventDocumentConverter {

    public static final String ID = "_id";
    public static final String AGGREGATE_TYPE = "aggregateType";
    public static final String AGGREGATE_ID = "aggregateId";
    public static final String EVENT_TYPE = "eventType";
    public static final String TIMESTAMP = "timestamp";
    public static final String KAFKA = "kafka";
    public static final String PAYLOAD = "payload";
    public static final String HEADERS = "headers";
    public static final Set<String> METADATA_FIELDS =
            Set.of(ID, AGGREGATE_TYPE, AGGREGATE_ID, EVENT_TYPE, TIMESTAMP, KAFKA);
    /** Read model only: the event id, the version, and on a tombstone the deletion mark and its time (for the TTL). */
    public static final String EVENT_ID = "eventId";

    public static final String VERSION = "version";
    public static final String DELETED = "deleted";
    public static final String DELETED_AT = "deletedAt";
    public static final Set<String> READ_MODEL_FIELDS = Set.of(EVENT_ID, VERSION, DELETED, DELETED_AT);

    /** MongoDB's limit on one document. */
    public static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
    /** MongoDB's limit on nesting: the stored document is level 1, each embedded document or array one more. */
    public static final int MAX_DEPTH = 100;
    /** MongoDB's limit (4.4 and later) on "database.collection". */
    public static final int MAX_NAMESPACE_BYTES = 255;

    /** The stored document is level 1; a nested payload's own document or array is level 2. */
    private static final int PAYLOAD_LEVEL = 2;

    private static final EncoderContext ENCODER_CONTEXT =
            EncoderContext.builder().build();
    private static final BsonValueCodec VALUE_CODEC = new BsonValueCodec();

    private final SinkConfig config;
    private final EventIds ids;
    private final int databaseBytes;
    /** The top-level names a merged payload must not use: the metadata fields, and 'headers' when headers are kept. */
    private final Set<String> reservedFields;
    /** write.mode=latest: one document per aggregate, with its version. */
    private final boolean latest;

    public EventDocumentConverter(SinkConfig config) {
        this.config = config;
        this.latest = config.writeMode() == SinkConfig.WriteMode.LATEST;
        java.util.Set<String> reserved = new java.util.HashSet<>(METADATA_FIELDS);
        if (!config.storedHeaders().isEmpty()) {
            reserved.add(HEADERS);
        }
        if (latest) {
            reserved.addAll(READ_MODEL_FIELDS);
        }
        this.reservedFields = Set.copyOf(reserved);
        this.ids = new EventIds(EventIds.keepsText(config.headerConverter()));
        this.databaseBytes = config.database().getBytes(StandardCharsets.UTF_8).length;
    }

    public EventDocument convert(SinkRecord record) throws ConversionException {
        ValueSource.Found eventId = ValueSource.find(config.eventIdSources(), record);
        if (eventId == null) {
            throw new ConversionException("the record has no event id (option " + SinkConfig.EVENT_ID_SOURCES + " = "
                    + config.eventIdSources() + ")");
        }
        BsonValue id = ids.toId(eventId);
        Object aggregateType = ValueSource.firstOf(config.aggregateTypeSources(), record);
        Object eventType = ValueSource.firstOf(config.eventTypeSources(), record);
        Object aggregateId = ValueSource.firstOf(config.aggregateIdSources(), record);
        String collection = collection(record, aggregateType, eventType);

        BsonDocument metadata = new BsonDocument(
                        AGGREGATE_TYPE, BsonValues.toBson(aggregateType, null, AGGREGATE_TYPE, PAYLOAD_LEVEL))
                .append(AGGREGATE_ID, BsonValues.toBson(aggregateId, record.keySchema(), AGGREGATE_ID, PAYLOAD_LEVEL))
                .append(EVENT_TYPE, BsonValues.toBson(eventType, null, EVENT_TYPE, PAYLOAD_LEVEL))
                .append(TIMESTAMP, record.timestamp() == null ? BsonNull.VALUE : new BsonDateTime(record.timestamp()))
                .append(
                        KAFKA,
                        new BsonDocument("topic", new BsonString(record.topic()))
                                .append("partition", new BsonInt32(record.kafkaPartition()))
                                .append("offset", new BsonInt64(record.kafkaOffset())));
        BsonDocument headers = storedHeaders(record);
        if (headers != null) {
            metadata.append(HEADERS, headers);
        }
        BsonValue documentId = id;
        BsonValue version = null;
        boolean deleted = false;
        if (latest) {
            version = VersionSource.versionOf(config.versionSources(), record, SinkConfig.VERSION_SOURCES);
            documentId = readModelId(aggregateType, aggregateId, record);
            deleted = eventType != null && config.deleteEventTypes().contains(eventType.toString());
            metadata.append(EVENT_ID, id).append(VERSION, version);
            if (deleted) {
                metadata.append(DELETED, BsonBoolean.TRUE)
                        .append(
                                DELETED_AT,
                                new BsonDateTime(
                                        record.timestamp() == null ? System.currentTimeMillis() : record.timestamp()));
            }
        }
        RawBsonDocument encoded = encode(documentId, metadata, record, !deleted);
        int size = encoded.getByteBuffer().remaining();
        if (size > MAX_DOCUMENT_BYTES) {
            throw new ConversionException("the event document is " + size + " bytes, over MongoDB's limit of "
                    + MAX_DOCUMENT_BYTES + " bytes");
        }
        return new EventDocument(record, collection, documentId, encoded, version);
    }

    /** The read model document's _id, from option latest.id. */
    private BsonValue readModelId(Object aggregateType, Object aggregateId, SinkRecord record)
            throws ConversionException {
        if (aggregateId == null) {
            throw new ConversionException("the record has no aggregate id, which the read model's document id needs"
                    + " (option " + SinkConfig.AGGREGATE_ID_SOURCES + " = " + config.aggregateIdSources() + ")");
        }
        if (config.latestId().isAggregateIdOnly()) {
            BsonValue id = BsonValues.toBson(aggregateId, record.keySchema(), ID, PAYLOAD_LEVEL);
            if (id.isArray() || id.isNull()) {
                throw new ConversionException(
                        "the aggregate id is " + id.getBsonType().name().toLowerCase()
                                + ", which MongoDB does not take as _id (option " + SinkConfig.LATEST_ID + ")");
            }
            return id;
        }
        return new BsonString(Text.checked(config.latestId().resolve(aggregateType, aggregateId), "the document id"));
    }

    /** The headers named by {@value SinkConfig#HEADERS_STORED} that the record has, or null when it has none of them. */
    private BsonDocument storedHeaders(SinkRecord record) throws ConversionException {
        BsonDocument stored = null;
        for (String name : config.storedHeaders()) {
            Header header = record.headers().lastWithName(name);
            if (header == null) {
                continue;
            }
            if (stored == null) {
                stored = new BsonDocument();
            }
            stored.append(name, headerValue(header, HEADERS + "." + name));
        }
        return stored;
    }

    /** Text as text; bytes that are valid UTF-8 as that text, other bytes as binary; other values as BSON. */
    private static BsonValue headerValue(Header header, String path) throws ConversionException {
        Object value = header.value();
        if (value instanceof String text) {
            return new BsonString(Text.checked(text, "header '" + header.key() + "'"));
        }
        byte[] bytes = BsonValues.bytesOf(value);
        if (bytes != null) {
            return textOrBinary(bytes);
        }
        return BsonValues.toBson(value, header.schema(), path, PAYLOAD_LEVEL + 1);
    }

    private String collection(SinkRecord record, Object aggregateType, Object eventType) throws ConversionException {
        String collection = config.collection().resolve(record.topic(), aggregateType, eventType);
        String problem = collection.isEmpty() ? "it is empty" : CollectionTemplate.nameProblem(collection);
        if (problem == null) {
            int namespaceBytes = databaseBytes + 1 + collection.getBytes(StandardCharsets.UTF_8).length;
            if (namespaceBytes > MAX_NAMESPACE_BYTES) {
                problem = "with the database name it makes a namespace of " + namespaceBytes + " bytes, over MongoDB's"
                        + " limit of " + MAX_NAMESPACE_BYTES;
            }
        }
        if (problem != null) {
            throw new ConversionException(
                    "the collection name made by option " + SinkConfig.COLLECTION + " is invalid: " + problem);
        }
        return collection;
    }

    /** Writes the document straight to BSON bytes; JSON payload text is streamed in, with no tree in between. */
    private RawBsonDocument encode(BsonValue id, BsonDocument metadata, SinkRecord record, boolean withPayload)
            throws ConversionException {
        String json = BsonValues.jsonText(record.value());
        BasicOutputBuffer buffer = new BasicOutputBuffer(json == null ? 512 : json.length() + 256);
        try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
            writer.writeStartDocument();
            writeField(writer, ID, id);
            if (withPayload && config.payloadMode() == PayloadMode.MERGED) {
                writeMergedPayload(writer, json, record);
            }
            for (Map.Entry<String, BsonValue> field : metadata.entrySet()) {
                writeField(writer, field.getKey(), field.getValue());
            }
            if (withPayload && config.payloadMode() == PayloadMode.NESTED) {
                writer.writeName(PAYLOAD);
                if (json != null) {
                    PlainJson.writeValue(json, writer, PAYLOAD_LEVEL);
                } else {
                    VALUE_CODEC.encode(
                            writer, otherPayload(record.value(), record.valueSchema(), PAYLOAD_LEVEL), ENCODER_CONTEXT);
                }
            }
            writer.writeEndDocument();
        }
        return new RawBsonDocument(buffer.getInternalBuffer(), 0, buffer.getPosition());
    }

    private void writeMergedPayload(BsonBinaryWriter writer, String json, SinkRecord record)
            throws ConversionException {
        String option = SinkConfig.PAYLOAD_MODE + "=merged";
        if (json != null) {
            PlainJson.writeFields(json, writer, reservedFields, option);
            return;
        }
        // The payload's own fields are level-1 fields of the stored document.
        BsonValue payload = otherPayload(record.value(), record.valueSchema(), 1);
        if (!(payload instanceof BsonDocument fields)) {
            throw new ConversionException("option " + option + " needs a payload that is a document, but it is a "
                    + payload.getBsonType().name().toLowerCase());
        }
        for (Map.Entry<String, BsonValue> field : fields.entrySet()) {
            if (reservedFields.contains(field.getKey())) {
                throw new ConversionException("payload field '" + field.getKey()
                        + "' collides with the metadata field of" + " that name (option " + option + ")");
            }
            writeField(writer, field.getKey(), field.getValue());
        }
    }

    /**
     * A payload that is not JSON text: other text as a string; bytes that are valid UTF-8 as that text (what a
     * StringConverter would have given, without its U+FFFD repairs), other bytes as binary; Connect values as BSON.
     */
    private static BsonValue otherPayload(Object value, Schema schema, int level) throws ConversionException {
        if (value instanceof String text) {
            return new BsonString(Text.checked(text, "the payload text"));
        }
        byte[] bytes = BsonValues.bytesOf(value);
        if (bytes != null) {
            return textOrBinary(bytes);
        }
        return BsonValues.toBson(value, schema, PAYLOAD, level);
    }

    /** Bytes that are valid UTF-8 as that text (without a StringConverter's U+FFFD repairs), other bytes as binary. */
    private static BsonValue textOrBinary(byte[] bytes) {
        String text = Text.strictUtf8(bytes, 0);
        return text != null ? new BsonString(text) : new BsonBinary(bytes);
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
