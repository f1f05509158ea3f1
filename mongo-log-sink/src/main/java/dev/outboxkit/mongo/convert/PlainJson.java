package dev.outboxkit.mongo.convert;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Set;

import org.bson.BsonWriter;
import org.bson.types.Decimal128;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * The one JSON reader of the sink, for nested and merged payloads alike: plain JSON (RFC 8259), never MongoDB
 * Extended JSON ({@code {"$numberLong":"5"}} stays a document with a string field), streamed from the text
 * straight into a BSON writer. Nothing is altered on the way: a value that BSON cannot hold exactly is a
 * {@link ConversionException} (and the record goes to the dead letter queue), never a rounded or replaced value.
 * <ul>
 *   <li>Integers: int32, then int64, then Decimal128 when the digits fit its 34; beyond that, rejected.</li>
 *   <li>Other numbers: a double, unless the double would be infinite or zero for a non-zero literal; then
 *       Decimal128 when it holds the value exactly; otherwise rejected. NaN and Infinity are not JSON.</li>
 *   <li>A key that appears twice in one object is rejected, in both payload modes.</li>
 *   <li>More than {@value EventDocumentConverter#MAX_DEPTH} levels of nesting in the stored document is rejected
 *       (MongoDB's limit), before any recursion could run deep.</li>
 *   <li>Strings with an unpaired surrogate (a lone {@code \ud800} escape) and keys holding NUL are rejected: BSON
 *       cannot hold them.</li>
 * </ul>
 * Messages give the line and column, never the payload's text.
 */
final class PlainJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Our own depth limit (MongoDB's) gives the clearer reason; Jackson's only guards against runaway input.
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(EventDocumentConverter.MAX_DEPTH + 1)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private PlainJson() {}

    /** Writes the JSON text (an object or an array) as the BSON value being written, at nesting level {@code level}. */
    static void writeValue(String json, BsonWriter writer, int level) throws ConversionException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            writeValue(parser, first, writer, level);
            requireEnd(parser);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (IOException e) {
            throw new ConversionException(
                    "the payload could not be read as JSON (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Writes the fields of a JSON object into the BSON document being written (merged payloads), refusing a
     * field named like one in {@code reserved}.
     */
    static void writeFields(String json, BsonWriter writer, Set<String> reserved, String option)
            throws ConversionException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new ConversionException(
                        "option " + option + " needs a payload that is a JSON object, but it is a JSON array");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String name = parser.currentName();
                if (reserved.contains(name)) {
                    throw new ConversionException("payload field '" + name
                            + "' collides with the metadata field of that name" + " (option " + option + ")");
                }
                writer.writeName(fieldName(name));
                writeValue(parser, parser.nextToken(), writer, 2);
            }
            requireEnd(parser);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (IOException e) {
            throw new ConversionException(
                    "the payload could not be read as JSON (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static void writeValue(JsonParser parser, JsonToken token, BsonWriter writer, int level)
            throws IOException, ConversionException {
        switch (token) {
            case START_OBJECT -> {
                checkDepth(level, parser);
                writer.writeStartDocument();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
                    String name = parser.currentName();
                    writer.writeName(fieldName(name));
                    writeValue(parser, parser.nextToken(), writer, level + 1);
                }
                writer.writeEndDocument();
            }
            case START_ARRAY -> {
                checkDepth(level, parser);
                writer.writeStartArray();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    writeValue(parser, next, writer, level + 1);
                }
                writer.writeEndArray();
            }
            case VALUE_STRING -> writer.writeString(Text.checked(parser.getText(), "a string in the payload"));
            case VALUE_NUMBER_INT -> writeInteger(parser, writer);
            case VALUE_NUMBER_FLOAT -> writeFloat(parser, writer);
            case VALUE_TRUE -> writer.writeBoolean(true);
            case VALUE_FALSE -> writer.writeBoolean(false);
            case VALUE_NULL -> writer.writeNull();
            default -> throw new ConversionException("the payload has an unexpected JSON token " + token + at(parser));
        }
    }

    private static void writeInteger(JsonParser parser, BsonWriter writer) throws IOException, ConversionException {
        switch (parser.getNumberType()) {
            case INT -> writer.writeInt32(parser.getIntValue());
            case LONG -> writer.writeInt64(parser.getLongValue());
            default ->
                writer.writeDecimal128(decimal128(
                        new BigDecimal(parser.getBigIntegerValue()),
                        "an integer beyond the int64 range with more than 34 digits",
                        parser));
        }
    }

    private static void writeFloat(JsonParser parser, BsonWriter writer) throws IOException, ConversionException {
        double value = parser.getDoubleValue();
        if (Double.isInfinite(value) || value == 0.0 && parser.getDecimalValue().signum() != 0) {
            writer.writeDecimal128(decimal128(
                    parser.getDecimalValue(),
                    "a number outside the range of a double that a Decimal128 cannot hold exactly either",
                    parser));
        } else {
            writer.writeDouble(value);
        }
    }

    private static Decimal128 decimal128(BigDecimal value, String problem, JsonParser parser)
            throws ConversionException {
        try {
            return new Decimal128(value);
        } catch (NumberFormatException e) {
            throw new ConversionException("the payload has " + problem + at(parser));
        }
    }

    private static String fieldName(String name) throws ConversionException {
        if (name.indexOf('\u0000') >= 0) {
            throw new ConversionException(
                    "a key in the payload holds a NUL character, which BSON field names cannot hold");
        }
        return Text.checked(name, "a key in the payload");
    }

    private static void checkDepth(int level, JsonParser parser) throws ConversionException {
        if (level > EventDocumentConverter.MAX_DEPTH) {
            throw new ConversionException("the payload nests deeper than MongoDB's limit of "
                    + EventDocumentConverter.MAX_DEPTH + " levels per document" + at(parser));
        }
    }

    private static void requireEnd(JsonParser parser) throws IOException, ConversionException {
        if (parser.nextToken() != null) {
            throw new ConversionException("the payload has content after its JSON value" + at(parser));
        }
    }

    private static ConversionException notJson(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        String what = message != null && message.startsWith("Duplicate field")
                ? "has a key twice in one object (such payloads are not stored; see the README)"
                : message != null && message.contains("Non-standard token")
                        ? "holds NaN or Infinity, which are not JSON numbers"
                        : "looks like JSON but does not parse";
        return new ConversionException("the payload " + what + location(e.getLocation()));
    }

    private static String at(JsonParser parser) {
        return location(parser.currentLocation());
    }

    private static String location(JsonLocation location) {
        return location == null || location.getLineNr() < 0
                ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
