package dev.outboxkit.mongo.convert;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
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
import org.bson.types.Decimal128;

/**
 * Connect values to BSON: Structs and Maps become documents, lists arrays, Connect's logical types their BSON
 * counterparts (Decimal → Decimal128, Date/Time/Timestamp → date), bytes binary. Also tells JSON text apart from
 * other payloads. A value that has no exact BSON form, or nests deeper than MongoDB allows, is a
 * {@link ConversionException} naming the field path, never the value.
 */
public final class BsonValues {

    private BsonValues() {}

    /**
     * The JSON text of a payload: a String, or bytes that are valid UTF-8, whose first character after an optional
     * byte-order mark and JSON white space opens an object or an array; returned from that character on. Null for
     * any other value (invalid UTF-8 included: such bytes are stored as binary).
     */
    public static String jsonText(Object value) {
        if (value instanceof String text) {
            int first = skipBomAndWhiteSpace(text);
            return first < text.length() && opensJson(text.charAt(first)) ? text.substring(first) : null;
        }
        byte[] bytes = bytesOf(value);
        if (bytes == null) {
            return null;
        }
        int first =
                bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF
                        ? 3
                        : 0;
        while (first < bytes.length && isJsonWhiteSpace((char) bytes[first])) {
            first++;
        }
        return first < bytes.length && opensJson((char) bytes[first]) ? Text.strictUtf8(bytes, first) : null;
    }

    private static int skipBomAndWhiteSpace(String text) {
        int first = !text.isEmpty() && text.charAt(0) == Text.BOM ? 1 : 0;
        while (first < text.length() && isJsonWhiteSpace(text.charAt(first))) {
            first++;
        }
        return first;
    }

    private static boolean opensJson(char c) {
        return c == '{' || c == '[';
    }

    private static boolean isJsonWhiteSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** The bytes of a byte[] or ByteBuffer value (the buffer is left as it was); null for other values. */
    static byte[] bytesOf(Object value) {
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

    /**
     * Any Connect value (with its schema, or schemaless) as BSON.
     *
     * @param level the nesting level a document or array made from this value would have in the stored document
     *              (the stored document itself is level 1)
     */
    public static BsonValue toBson(Object value, Schema schema, String path, int level) throws ConversionException {
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
            checkDepth(level, path);
            BsonDocument document = new BsonDocument();
            for (Field field : struct.schema().fields()) {
                document.put(
                        fieldName(field.name(), path),
                        toBson(struct.get(field), field.schema(), path + "." + field.name(), level + 1));
            }
            return document;
        }
        if (value instanceof Map<?, ?> map) {
            checkDepth(level, path);
            BsonDocument document = new BsonDocument();
            Schema valueSchema = schema == null ? null : schema.valueSchema();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new ConversionException("a map at '" + path + "' has a key that is not a string");
                }
                document.put(fieldName(key, path), toBson(entry.getValue(), valueSchema, path + "." + key, level + 1));
            }
            return document;
        }
        if (value instanceof Collection<?> list) {
            checkDepth(level, path);
            BsonArray array = new BsonArray();
            Schema elementSchema = schema == null ? null : schema.valueSchema();
            int index = 0;
            for (Object element : list) {
                array.add(toBson(element, elementSchema, path + "[" + index++ + "]", level + 1));
            }
            return array;
        }
        if (value instanceof String text) {
            return new BsonString(Text.checked(text, "the text at '" + path + "'"));
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
        throw new ConversionException(
                "the value at '" + path + "' is a " + value.getClass().getSimpleName() + ", which has no BSON form");
    }

    private static void checkDepth(int level, String path) throws ConversionException {
        if (level > EventDocumentConverter.MAX_DEPTH) {
            throw new ConversionException(
                    "the value at '" + abbreviate(path) + "' nests deeper than MongoDB's limit of "
                            + EventDocumentConverter.MAX_DEPTH + " levels per document");
        }
    }

    private static String fieldName(String name, String path) throws ConversionException {
        if (name.indexOf('\u0000') >= 0) {
            throw new ConversionException("a field name at '" + abbreviate(path) + "' holds a NUL character, which BSON"
                    + " field names cannot hold");
        }
        return Text.checked(name, "a field name at '" + abbreviate(path) + "'");
    }

    /** Deep paths are long; the start and the end say where. */
    private static String abbreviate(String path) {
        return path.length() <= 120 ? path : path.substring(0, 50) + "..." + path.substring(path.length() - 50);
    }

    private static Decimal128 decimal128(BigDecimal decimal, String path) throws ConversionException {
        try {
            return new Decimal128(decimal);
        } catch (NumberFormatException e) {
            throw new ConversionException("the decimal at '" + abbreviate(path) + "' does not fit a BSON Decimal128");
        }
    }
}
