package dev.outboxkit.router.json;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.outboxkit.router.RouterConfig.JsonEmptyArrayBehavior;
import dev.outboxkit.router.RouterConfig.JsonNullBehavior;

/**
 * The fast path of JSON expansion: parses a document straight from the token stream into the value of a schema
 * expected for it (the last one seen for the same aggregate type), with no tree and no shape in between.
 *
 * <p>It succeeds only when the general path would infer exactly this schema for the document: the same fields
 * in the same order, every value of exactly the schema's kind (no widening), no null or empty array where the
 * schema has a type. Anything else is a {@link Mismatch}, and the caller takes the general path, so the result
 * never depends on which path ran.
 */
final class SchemaGuidedParser {

    /** The document does not fit the expected schema exactly. Preallocated: a mismatch is cheap. */
    static final class Mismatch extends Exception {
        private static final long serialVersionUID = 1L;
        static final Mismatch INSTANCE = new Mismatch();

        private Mismatch() {
            super("document does not fit the expected schema", null, false, false);
        }
    }

    private final FieldNameAdjustment adjustment;
    private final JsonNullBehavior nullBehavior;
    private final JsonEmptyArrayBehavior emptyArrayBehavior;

    SchemaGuidedParser(
            FieldNameAdjustment adjustment, JsonNullBehavior nullBehavior, JsonEmptyArrayBehavior emptyArrayBehavior) {
        this.adjustment = adjustment;
        this.nullBehavior = nullBehavior;
        this.emptyArrayBehavior = emptyArrayBehavior;
    }

    Object parse(String json, Schema expected) throws Mismatch, IOException {
        try (JsonParser parser = JsonTree.createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw Mismatch.INSTANCE;
            }
            return read(parser, token, expected);
        }
    }

    private Object read(JsonParser parser, JsonToken token, Schema schema) throws Mismatch, IOException {
        switch (schema.type()) {
            case STRUCT:
                if (token != JsonToken.START_OBJECT) {
                    throw Mismatch.INSTANCE;
                }
                return readStruct(parser, schema);
            case ARRAY:
                if (token != JsonToken.START_ARRAY) {
                    throw Mismatch.INSTANCE;
                }
                return readArray(parser, schema);
            case STRING:
                if (token != JsonToken.VALUE_STRING) {
                    throw Mismatch.INSTANCE;
                }
                return parser.getText();
            case BOOLEAN:
                if (token == JsonToken.VALUE_TRUE) {
                    return Boolean.TRUE;
                }
                if (token == JsonToken.VALUE_FALSE) {
                    return Boolean.FALSE;
                }
                throw Mismatch.INSTANCE;
            case INT32:
                if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.INT) {
                    throw Mismatch.INSTANCE;
                }
                return parser.getIntValue();
            case INT64:
                if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.LONG) {
                    throw Mismatch.INSTANCE;
                }
                return parser.getLongValue();
            case FLOAT64:
                if (token != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw Mismatch.INSTANCE;
                }
                return parser.getDoubleValue();
            case BYTES:
                if (Decimal.LOGICAL_NAME.equals(schema.name())) {
                    if (token != JsonToken.VALUE_NUMBER_INT
                            || parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                        throw Mismatch.INSTANCE;
                    }
                    return new BigDecimal(parser.getBigIntegerValue());
                }
                // Only a JSON null is typed as optional bytes.
                if (token != JsonToken.VALUE_NULL) {
                    throw Mismatch.INSTANCE;
                }
                return null;
            default:
                throw Mismatch.INSTANCE;
        }
    }

    private Struct readStruct(JsonParser parser, Schema schema) throws Mismatch, IOException {
        Struct struct = new Struct(schema);
        List<Field> fields = schema.fields();
        int next = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = adjustment.adjust(parser.currentName());
            JsonToken token = parser.nextToken();
            if (next < fields.size() && fields.get(next).name().equals(name)) {
                Field field = fields.get(next++);
                if (token == JsonToken.VALUE_NULL && !isNullOnly(field.schema())) {
                    throw Mismatch.INSTANCE;
                }
                struct.put(field, read(parser, token, field.schema()));
            } else if (schema.field(name) == null
                    && token == JsonToken.VALUE_NULL
                    && nullBehavior == JsonNullBehavior.IGNORE) {
                // A null field the general path leaves out of the schema too.
                continue;
            } else {
                throw Mismatch.INSTANCE;
            }
        }
        if (next != fields.size()) {
            throw Mismatch.INSTANCE;
        }
        return struct;
    }

    private List<Object> readArray(JsonParser parser, Schema schema) throws Mismatch, IOException {
        Schema element = schema.valueSchema();
        List<Object> list = new ArrayList<>();
        boolean typed = false;
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token == JsonToken.VALUE_NULL) {
                list.add(null);
            } else {
                list.add(read(parser, token, element));
                typed = true;
            }
        }
        // An array of nothing but nulls, or an empty one, is typed differently by the general path.
        if (!typed) {
            throw Mismatch.INSTANCE;
        }
        return list;
    }

    private boolean isNullOnly(Schema schema) {
        return nullBehavior == JsonNullBehavior.OPTIONAL_BYTES
                && schema.type() == Schema.Type.BYTES
                && !Decimal.LOGICAL_NAME.equals(schema.name());
    }
}
