package dev.outboxkit.router.json;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import dev.outboxkit.router.RouterConfig.JsonEmptyArrayBehavior;
import dev.outboxkit.router.RouterConfig.JsonNullBehavior;

/**
 * Turns JSON text into a Connect value with an inferred schema, deterministically: the same document shape
 * always gets the same schema instance (from a bounded, thread-safe cache), and every value matches its schema.
 *
 * <p>Schemas follow Debezium's EventRouter: every schema optional, objects become structs named by their path
 * from the payload column ({@code payload}, {@code payload.address}), array elements take the array's name,
 * integers that fit int32 are INT32, larger ones INT64, decimals FLOAT64, nulls and empty arrays left out unless
 * configured otherwise. Where Debezium fails or mismatches, this is right: integers beyond the long range are
 * {@code Decimal} with scale 0, arrays mixing integers and decimals are FLOAT64 arrays, arrays of objects of
 * differing fields get the union of the fields, and a top-level array is an array value with an array schema.
 */
public final class JsonPayloadExpander {

    private static final int SCHEMA_CACHE_SIZE = 1024;
    private static final Schema BIG_INTEGER_SCHEMA =
            Decimal.builder(0).optional().build();
    private static final Schema EMPTY_ARRAY_SCHEMA =
            SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build();

    /** Why a text could not be expanded; never holds the text itself. */
    public static final class NotExpandableException extends Exception {
        private static final long serialVersionUID = 1L;

        NotExpandableException(String reason) {
            super(reason, null, false, false);
        }
    }

    private final String rootName;
    private final FieldNameAdjustment adjustment;
    private final JsonNullBehavior nullBehavior;
    private final JsonEmptyArrayBehavior emptyArrayBehavior;
    private final Cache<Shape, Schema> schemas = new SynchronizedCache<>(new LRUCache<>(SCHEMA_CACHE_SIZE));
    /** The schema last inferred for each hint (the aggregate type): what the fast path tries first. */
    private final Cache<String, Schema> expectedByHint = new SynchronizedCache<>(new LRUCache<>(SCHEMA_CACHE_SIZE));

    private final SchemaGuidedParser guidedParser;

    /**
     * @param rootName the name of the top-level struct schema (Debezium uses the payload column's name)
     */
    public JsonPayloadExpander(
            String rootName, JsonNullBehavior nullBehavior, JsonEmptyArrayBehavior emptyArrayBehavior) {
        this(rootName, FieldNameAdjustment.NONE, nullBehavior, emptyArrayBehavior);
    }

    /**
     * @param rootName the name of the top-level struct schema (Debezium uses the payload column's name)
     * @param adjustment how JSON keys become field names (and so the names of nested struct schemas)
     */
    public JsonPayloadExpander(
            String rootName,
            FieldNameAdjustment adjustment,
            JsonNullBehavior nullBehavior,
            JsonEmptyArrayBehavior emptyArrayBehavior) {
        this.rootName = rootName;
        this.adjustment = adjustment;
        this.nullBehavior = nullBehavior;
        this.emptyArrayBehavior = emptyArrayBehavior;
        this.guidedParser = new SchemaGuidedParser(adjustment, nullBehavior, emptyArrayBehavior);
    }

    /** Whether the text is a candidate at all: like Debezium, only text starting with '{' or '[' is expanded. */
    public static boolean looksLikeJson(String text) {
        return !text.isEmpty() && (text.charAt(0) == '{' || text.charAt(0) == '[');
    }

    /** JSON object or array text to a Struct or List with its schema. */
    public SchemaAndValue expand(String json) throws NotExpandableException {
        return expand(json, null);
    }

    /**
     * JSON object or array text to a Struct or List with its schema.
     *
     * @param hint what documents of one shape have in common (the aggregate type), or null: the schema last
     *             inferred for the same hint is tried first, parsing straight into it when the document fits
     */
    public SchemaAndValue expand(String json, String hint) throws NotExpandableException {
        if (hint != null && looksLikeJson(json)) {
            Schema expected = expectedByHint.get(hint);
            if (expected != null) {
                try {
                    return new SchemaAndValue(expected, guidedParser.parse(json, expected));
                } catch (SchemaGuidedParser.Mismatch | IOException e) {
                    // Not this shape (or not valid JSON): the general path decides.
                }
            }
        }
        SchemaAndValue expanded = expandGeneral(json);
        if (hint != null) {
            expectedByHint.put(hint, expanded.schema());
        }
        return expanded;
    }

    private SchemaAndValue expandGeneral(String json) throws NotExpandableException {
        Object tree = parse(json);
        Shape shape;
        try {
            shape = Shape.of(tree);
        } catch (Shape.ConflictException e) {
            throw new NotExpandableException(e.getMessage());
        }
        Schema schema = schemas.get(shape);
        if (schema == null) {
            schema = rootSchema(shape);
            schemas.put(shape, schema);
        }
        return new SchemaAndValue(schema, convert(tree, schema));
    }

    /** JSON object or array text to plain Maps and Lists, for schemaless records. */
    public Object expandSchemaless(String json) throws NotExpandableException {
        return plain(parse(json));
    }

    private Object parse(String json) throws NotExpandableException {
        if (!looksLikeJson(json)) {
            throw new NotExpandableException("the text is not a JSON object or array");
        }
        try {
            return JsonTree.parse(json, adjustment);
        } catch (JsonTree.NameCollision e) {
            throw new NotExpandableException(e.getMessage() + " under field.name.adjustment.mode="
                    + adjustment.name().toLowerCase(java.util.Locale.ROOT));
        } catch (IOException e) {
            throw new NotExpandableException("the text is not valid JSON");
        }
    }

    /** The payload itself cannot be left out, so untyped nulls and empty arrays get a type all the way down. */
    private Schema rootSchema(Shape shape) {
        return schemaFor(shape, rootName, true);
    }

    /**
     * The schema of a shape, or null when the configuration leaves such a field out.
     *
     * @param required whether a schema must be found (the payload itself, and the elements of a required array):
     *                 then a null is optional bytes and an empty array an array of optional strings
     */
    private Schema schemaFor(Shape shape, String name, boolean required) {
        switch (shape.kind()) {
            case NULL:
                return required || nullBehavior == JsonNullBehavior.OPTIONAL_BYTES
                        ? Schema.OPTIONAL_BYTES_SCHEMA
                        : null;
            case BOOLEAN:
                return Schema.OPTIONAL_BOOLEAN_SCHEMA;
            case INT32:
                return Schema.OPTIONAL_INT32_SCHEMA;
            case INT64:
                return Schema.OPTIONAL_INT64_SCHEMA;
            case BIG_INTEGER:
                return BIG_INTEGER_SCHEMA;
            case FLOAT64:
                return Schema.OPTIONAL_FLOAT64_SCHEMA;
            case STRING:
                return Schema.OPTIONAL_STRING_SCHEMA;
            case ARRAY: {
                Shape element = ((Shape.Array) shape).element;
                if (element == null) {
                    return required || emptyArrayBehavior == JsonEmptyArrayBehavior.OPTIONAL_STRING
                            ? EMPTY_ARRAY_SCHEMA
                            : null;
                }
                Schema elementSchema = schemaFor(element, name, required);
                return elementSchema == null
                        ? null
                        : SchemaBuilder.array(elementSchema).optional().build();
            }
            default: {
                Shape.Struct struct = (Shape.Struct) shape;
                SchemaBuilder builder = SchemaBuilder.struct().name(name).optional();
                for (int i = 0; i < struct.names.length; i++) {
                    String fieldName = struct.names[i];
                    String path = name == null || name.isBlank() ? fieldName : name + "." + fieldName;
                    Schema fieldSchema = schemaFor(struct.fields[i], path, false);
                    if (fieldSchema != null) {
                        builder.field(fieldName, fieldSchema);
                    }
                }
                return builder.build();
            }
        }
    }

    private static Object convert(Object value, Schema schema) {
        if (value == null) {
            return null;
        }
        switch (schema.type()) {
            case STRUCT: {
                JsonTree.JsonObject object = (JsonTree.JsonObject) value;
                Struct struct = new Struct(schema);
                for (int i = 0; i < object.size; i++) {
                    Field field = schema.field(object.names[i]);
                    if (field != null) {
                        struct.put(field, convert(object.values[i], field.schema()));
                    }
                }
                return struct;
            }
            case ARRAY: {
                JsonTree.JsonArray array = (JsonTree.JsonArray) value;
                Schema elementSchema = schema.valueSchema();
                List<Object> list = new ArrayList<>(array.size);
                for (int i = 0; i < array.size; i++) {
                    list.add(convert(array.items[i], elementSchema));
                }
                return list;
            }
            case INT32:
                return ((Number) value).intValue();
            case INT64:
                return ((Number) value).longValue();
            case FLOAT64:
                return ((Number) value).doubleValue();
            case BYTES:
                return value instanceof BigInteger big
                        ? new BigDecimal(big)
                        : value instanceof Number number ? BigDecimal.valueOf(number.longValue()) : null;
            default:
                return value;
        }
    }

    private static Object plain(Object value) {
        if (value instanceof JsonTree.JsonObject object) {
            Map<String, Object> map = new LinkedHashMap<>(object.size * 2);
            for (int i = 0; i < object.size; i++) {
                map.put(object.names[i], plain(object.values[i]));
            }
            return map;
        }
        if (value instanceof JsonTree.JsonArray array) {
            List<Object> list = new ArrayList<>(array.size);
            for (int i = 0; i < array.size; i++) {
                list.add(plain(array.items[i]));
            }
            return list;
        }
        if (value instanceof BigInteger big) {
            return new BigDecimal(big);
        }
        return value;
    }
}
