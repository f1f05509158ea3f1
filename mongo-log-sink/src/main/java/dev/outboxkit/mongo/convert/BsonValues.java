package dev.outboxkit.mongo.convert;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Date;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonParseException;
import org.bson.types.Decimal128;

/**
 * Connect values to BSON: Structs and Maps become documents, lists arrays, Connect's logical types their BSON
 * counterparts (Decimal → Decimal128, Date/Time/Timestamp → date). JSON text (a String, or bytes starting with
 * '{' or '[') is parsed; other bytes are stored as binary. A value that has no BSON form is a
 * {@link ConversionException} naming the field path, never the value.
 */
public final class BsonValues {

    private BsonValues() {
    }

    /** A payload as BSON: a document, an array, or another BSON value for scalar payloads. */
    public static BsonValue payload(Object value, Schema schema) throws ConversionException {
        if (value instanceof String text) {
            String json = jsonText(text);
            return json != null ? parseJson(json, "payload") : new BsonString(text);
        }
        byte[] bytes = bytesOf(value);
        if (bytes != null) {
            String json = jsonText(bytes);
            return json != null ? parseJson(json, "payload") : new BsonBinary(bytes);
        }
        return toBson(value, schema, "payload");
    }

    /**
     * The JSON text of a payload, without leading white space: a String, or bytes holding UTF-8, whose first
     * non-blank character opens an object or an array. Null for any other value.
     */
    public static String jsonText(Object value) {
        if (value instanceof String text) {
            return jsonText(text);
        }
        byte[] bytes = bytesOf(value);
        return bytes == null ? null : jsonText(bytes);
    }

    private static String jsonText(String text) {
        String trimmed = text.stripLeading();
        return trimmed.startsWith("{") || trimmed.startsWith("[") ? trimmed : null;
    }

    private static String jsonText(byte[] bytes) {
        int first = 0;
        while (first < bytes.length && Character.isWhitespace(bytes[first])) {
            first++;
        }
        if (first < bytes.length && (bytes[first] == '{' || bytes[first] == '[')) {
            return new String(bytes, first, bytes.length - first, StandardCharsets.UTF_8);
        }
        return null;
    }

    /** The bytes of a byte[] or ByteBuffer value (the buffer is left as it was); null for other values. */
    private static byte[] bytesOf(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        return null;
    }

    /** Any Connect value (with its schema, or schemaless) as BSON. */
    public static BsonValue toBson(Object value, Schema schema, String path) throws ConversionException {
        if (value == null) {
            return BsonNull.VALUE;
        }
        if (schema != null && schema.name() != null) {
            switch (schema.name()) {
                case org.apache.kafka.connect.data.Decimal.LOGICAL_NAME:
                    return new BsonDecimal128(decimal128((BigDecimal) value, path));
                case org.apache.kafka.connect.data.Date.LOGICAL_NAME:
                case org.apache.kafka.connect.data.Time.LOGICAL_NAME:
                case org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME:
                    return new BsonDateTime(((Date) value).getTime());
                default:
                    break;
            }
        }
        if (value instanceof Struct struct) {
            BsonDocument document = new BsonDocument();
            for (Field field : struct.schema().fields()) {
                document.put(field.name(), toBson(struct.get(field), field.schema(), path + "." + field.name()));
            }
            return document;
        }
        if (value instanceof Map<?, ?> map) {
            BsonDocument document = new BsonDocument();
            Schema valueSchema = schema == null ? null : schema.valueSchema();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new ConversionException("a map at '" + path + "' has a key that is not a string");
                }
                document.put(key, toBson(entry.getValue(), valueSchema, path + "." + key));
            }
            return document;
        }
        if (value instanceof Collection<?> list) {
            BsonArray array = new BsonArray();
            Schema elementSchema = schema == null ? null : schema.valueSchema();
            int index = 0;
            for (Object element : list) {
                array.add(toBson(element, elementSchema, path + "[" + index++ + "]"));
            }
            return array;
        }
        if (value instanceof String text) {
            return new BsonString(text);
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return new BsonInt32(((Number) value).intValue());
        }
        if (value instanceof Long number) {
            return new BsonInt64(number);
        }
        if (value instanceof Double || value instanceof Float) {
            return new BsonDouble(((Number) value).doubleValue());
        }
        if (value instanceof Boolean bool) {
            return BsonBoolean.valueOf(bool);
        }
        byte[] bytes = bytesOf(value);
        if (bytes != null) {
            return new BsonBinary(bytes);
        }
        if (value instanceof BigDecimal decimal) {
            return new BsonDecimal128(decimal128(decimal, path));
        }
        if (value instanceof Date date) {
            return new BsonDateTime(date.getTime());
        }
        throw new ConversionException("the value at '" + path + "' is a " + value.getClass().getSimpleName()
                + ", which has no BSON form");
    }

    private static Decimal128 decimal128(BigDecimal decimal, String path) throws ConversionException {
        try {
            return new Decimal128(decimal);
        } catch (NumberFormatException e) {
            throw new ConversionException("the decimal at '" + path + "' does not fit a BSON Decimal128");
        }
    }

    private static BsonValue parseJson(String json, String path) throws ConversionException {
        try {
            if (json.charAt(0) == '[') {
                BsonDocument wrapper = BsonDocument.parse("{\"v\":" + json + "}");
                return wrapper.get("v");
            }
            return BsonDocument.parse(json);
        } catch (JsonParseException | org.bson.BsonInvalidOperationException e) {
            throw new ConversionException("the " + path + " looks like JSON but does not parse");
        }
    }
}
