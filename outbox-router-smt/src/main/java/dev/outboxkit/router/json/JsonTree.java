package dev.outboxkit.router.json;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * A parsed JSON document kept as light as possible: objects as parallel name and value arrays (in document
 * order), arrays as value arrays, scalars as String, Boolean, Integer, Long, BigInteger, Double or null.
 * Read with Jackson's streaming parser, which is thread-safe to create and cheap to run.
 */
final class JsonTree {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
            .build();

    /**
     * A JSON object. A repeated name keeps its first position and its last value, as Jackson's tree does. Small
     * objects find a repeated name by scanning; from {@value #INDEXED_FROM} names on, through a hash index, so that
     * an object with many keys costs linear time, not quadratic. Names are kept as adjusted; two different keys
     * that become the same name are a {@link NameCollision}.
     */
    static final class JsonObject {
        static final int INDEXED_FROM = 16;
        String[] names = new String[8];
        Object[] values = new Object[8];
        int size;
        private Map<String, Integer> index;
        /** The key as written where adjustment changed it; null until a key is changed. */
        private String[] originals;

        void put(String name, String original, Object value) throws NameCollision {
            Integer existing = positionOf(name);
            if (existing != null) {
                if (!originalAt(existing).equals(original)) {
                    throw new NameCollision();
                }
                values[existing] = value;
                return;
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
                if (originals != null) {
                    originals = Arrays.copyOf(originals, size * 2);
                }
            }
            names[size] = name;
            values[size] = value;
            if (!name.equals(original)) {
                if (originals == null) {
                    originals = new String[names.length];
                }
                originals[size] = original;
            }
            if (index != null) {
                index.put(name, size);
            } else if (size + 1 == INDEXED_FROM) {
                index = new HashMap<>(INDEXED_FROM * 4);
                for (int i = 0; i <= size; i++) {
                    index.put(names[i], i);
                }
            }
            size++;
        }

        private String originalAt(int position) {
            return originals == null || originals[position] == null ? names[position] : originals[position];
        }

        private Integer positionOf(String name) {
            if (index != null) {
                return index.get(name);
            }
            for (int i = 0; i < size; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            return null;
        }
    }

    /** Two different keys of one object that field name adjustment turns into the same name. */
    static final class NameCollision extends IOException {
        private static final long serialVersionUID = 1L;

        NameCollision() {
            super("two keys of one object become the same field name", null);
        }
    }

    /** A JSON array. */
    static final class JsonArray {
        Object[] items = new Object[8];
        int size;

        void add(Object value) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = value;
        }
    }

    private JsonTree() {}

    static JsonParser createParser(String json) throws IOException {
        return FACTORY.createParser(json);
    }

    /**
     * Parses one JSON value, object keys adjusted to field names; content after it is ignored, as Jackson's
     * readTree does by default.
     */
    static Object parse(String json, FieldNameAdjustment adjustment) throws IOException {
        try (JsonParser parser = createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new IOException("no JSON value");
            }
            return read(parser, token, adjustment);
        }
    }

    private static Object read(JsonParser parser, JsonToken token, FieldNameAdjustment adjustment) throws IOException {
        switch (token) {
            case START_OBJECT: {
                JsonObject object = new JsonObject();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    object.put(adjustment.adjust(key), key, read(parser, parser.nextToken(), adjustment));
                }
                return object;
            }
            case START_ARRAY: {
                JsonArray array = new JsonArray();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    array.add(read(parser, next, adjustment));
                }
                return array;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                switch (parser.getNumberType()) {
                    case INT:
                        return parser.getIntValue();
                    case LONG:
                        return parser.getLongValue();
                    default:
                        return parser.getBigIntegerValue();
                }
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected JSON token " + token);
        }
    }
}
