package dev.outboxkit.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.outboxkit.mongo.convert.EventDocumentConverter;
import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Property: for every generated record (JSON of every shape, depth and size at the limits, numbers tiny and huge,
 * unicode, invalid UTF-8, byte-order marks, duplicate keys, non-JSON text and bytes, Map values), the record is
 * either stored with a payload equal to what was sent, or in the dead letter queue with a reason; which of the two
 * is decided by an oracle written from the rules, not from the implementation. The task never fails.
 */
class PayloadPropertyTest {

    private static final String TOPIC = "outbox.event.Prop";
    private static final int RECORDS = 2_000;
    private static final int BATCH = 100;
    private static final MongoTestServer mongo = MongoTestServer.shared();

    /** What the oracle expects: the stored payload (nested) or top-level fields (merged), or a rejection. */
    private record Expected(BsonValue payload, String rejection) {
        static Expected stored(BsonValue payload) {
            return new Expected(payload, null);
        }

        static Expected rejected(String why) {
            return new Expected(null, why);
        }
    }

    private record Case(SinkRecord record, Expected expected, String description) {}

    @ParameterizedTest(name = "seed {0}, payload.mode={1}")
    @CsvSource({"1, nested", "2, merged", "3, nested", "4, merged"})
    void everyRecordIsStoredAsSentOrDeadLetteredWithAReason(long seed, String mode) {
        boolean merged = mode.equals("merged");
        Generator generator = new Generator(new Random(seed), merged);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            cases.add(generator.next(i));
        }
        try (RunningSink sink = new RunningSink(mongo, true, "payload.mode", mode)) {
            for (int from = 0; from < cases.size(); from += BATCH) {
                List<SinkRecord> batch = cases.subList(from, Math.min(cases.size(), from + BATCH)).stream()
                        .map(Case::record)
                        .toList();
                assertThatCode(() -> sink.put(batch))
                        .as("the task never fails (seed " + seed + ")")
                        .doesNotThrowAnyException();
            }
            Map<BsonValue, BsonDocument> stored = sink.stored(TOPIC);
            Map<Long, String> deadLettered = sink.deadLettered();
            int storedCount = 0;
            for (Case c : cases) {
                long offset = c.record().kafkaOffset();
                BsonDocument document = stored.get(new BsonString("p-" + offset));
                String what = "seed " + seed + " offset " + offset + " (" + c.description() + ")";
                if (c.expected().rejection() != null) {
                    assertThat(document)
                            .as(what + " must be rejected: " + c.expected().rejection())
                            .isNull();
                    assertThat(deadLettered.get(offset))
                            .as(what + " in the dead letter queue")
                            .startsWith("Record " + TOPIC + "-0@" + offset + " cannot be stored: ");
                } else {
                    assertThat(deadLettered).as(what + " must be stored").doesNotContainKey(offset);
                    assertThat(document).as(what + " stored").isNotNull();
                    assertThat(payloadOf(document, merged))
                            .as(what)
                            .isEqualTo(c.expected().payload());
                    storedCount++;
                }
            }
            assertThat(stored).hasSize(storedCount);
            assertThat(deadLettered).hasSize(cases.size() - storedCount);
            // The generator must exercise both outcomes in earnest.
            assertThat(storedCount).isBetween(RECORDS / 4, RECORDS - RECORDS / 10);
        }
    }

    private static BsonValue payloadOf(BsonDocument document, boolean merged) {
        if (!merged) {
            return document.get("payload");
        }
        BsonDocument fields = new BsonDocument();
        document.forEach((name, value) -> {
            if (!EventDocumentConverter.METADATA_FIELDS.contains(name)) {
                fields.put(name, value);
            }
        });
        return fields;
    }

    /** Generates records and, independently of the sink's code, what must become of each. */
    private static final class Generator {
        private final Random random;
        private final boolean merged;

        Generator(Random random, boolean merged) {
            this.random = random;
            this.merged = merged;
        }

        Case next(long offset) {
            int kind = random.nextInt(100);
            if (kind < 60) {
                return json(offset);
            }
            if (kind < 68) {
                return truncatedJson(offset);
            }
            if (kind < 76) {
                byte[] bytes = invalidUtf8StartingLikeJson();
                return bytesCase(
                        offset,
                        bytes,
                        merged ? Expected.rejected("merged needs a document") : Expected.stored(new BsonBinary(bytes)),
                        "invalid UTF-8");
            }
            if (kind < 84) {
                byte[] bytes = randomBytesNotLikeJson();
                return bytesCase(
                        offset,
                        bytes,
                        merged ? Expected.rejected("merged needs a document") : Expected.stored(new BsonBinary(bytes)),
                        "bytes that are not JSON");
            }
            if (kind < 92) {
                String text = plainText();
                Expected expected =
                        merged ? Expected.rejected("merged needs a document") : Expected.stored(new BsonString(text));
                return random.nextBoolean()
                        ? new Case(record(offset, Schema.STRING_SCHEMA, text), expected, "text that is not JSON")
                        : bytesCase(
                                offset,
                                text.getBytes(StandardCharsets.UTF_8),
                                expected,
                                "UTF-8 bytes that are not JSON");
            }
            return mapValue(offset);
        }

        private Case json(long offset) {
            Node root = random.nextBoolean() || merged ? object(1) : array(1);
            if (random.nextInt(20) == 0) {
                root = deep(root, 95 + random.nextInt(12));
            }
            String text = (random.nextInt(5) == 0 ? "\uFEFF" : "") + whiteSpace() + root.json(random) + whiteSpace();
            Expected expected = expect(root);
            Object value;
            Schema schema;
            if (random.nextBoolean()) {
                value = text;
                schema = Schema.STRING_SCHEMA;
            } else {
                value = text.getBytes(StandardCharsets.UTF_8);
                schema = Schema.BYTES_SCHEMA;
            }
            return new Case(
                    record(offset, schema, value), expected, "JSON " + (value instanceof String ? "text" : "bytes"));
        }

        private Case truncatedJson(long offset) {
            String text = object(1).json(random);
            String cut = text.substring(0, 1 + random.nextInt(text.length() - 1));
            return new Case(
                    record(offset, Schema.STRING_SCHEMA, cut), Expected.rejected("truncated JSON"), "truncated JSON");
        }

        private Case bytesCase(long offset, byte[] bytes, Expected expected, String description) {
            return new Case(record(offset, Schema.BYTES_SCHEMA, bytes), expected, description);
        }

        private Case mapValue(long offset) {
            Node root = object(1);
            Object map = root.connect();
            if (map == null) {
                return json(offset);
            }
            Expected byRules = expect(root);
            // A Map carries Java types: its integers are Longs (int64), whatever their size.
            Expected expected = byRules.rejection() != null ? byRules : Expected.stored(connectBson(map));
            return new Case(record(offset, null, map), expected, "a Map value");
        }

        private static BsonValue connectBson(Object value) {
            if (value instanceof Map<?, ?> map) {
                BsonDocument document = new BsonDocument();
                map.forEach((key, inner) -> document.put((String) key, connectBson(inner)));
                return document;
            }
            if (value instanceof List<?> list) {
                BsonArray array = new BsonArray();
                list.forEach(inner -> array.add(connectBson(inner)));
                return array;
            }
            if (value instanceof Long number) {
                return new BsonInt64(number);
            }
            if (value instanceof Double number) {
                return new BsonDouble(number);
            }
            if (value instanceof String text) {
                return new BsonString(text);
            }
            if (value instanceof Boolean bool) {
                return BsonBoolean.valueOf(bool);
            }
            return BsonNull.VALUE;
        }

        private Expected expect(Node root) {
            if (merged && !(root instanceof Obj)) {
                return Expected.rejected("merged needs an object");
            }
            // Nested: the payload's own container is level 2. Merged: its fields are level-1 fields.
            int rootLevel = merged ? 1 : 2;
            String problem = root.problem(rootLevel);
            if (problem != null) {
                return Expected.rejected(problem);
            }
            if (merged) {
                for (String name : ((Obj) root).names()) {
                    if (EventDocumentConverter.METADATA_FIELDS.contains(name)) {
                        return Expected.rejected("collides with metadata");
                    }
                }
            }
            BsonValue bson = root.bson();
            return bson == null ? Expected.rejected("number out of range") : Expected.stored(bson);
        }

        private SinkRecord record(long offset, Schema schema, Object value) {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("id", "p-" + offset);
            return new SinkRecord(
                    TOPIC,
                    0,
                    Schema.STRING_SCHEMA,
                    "agg-" + (offset % 7),
                    schema,
                    value,
                    offset,
                    1L,
                    TimestampType.CREATE_TIME,
                    headers);
        }

        private Node deep(Node inner, int levels) {
            Node node = inner;
            for (int i = 0; i < levels; i++) {
                node = random.nextBoolean() ? new Arr(List.of(node)) : new Obj(List.of(Map.entry("d", node)));
            }
            return merged ? new Obj(List.of(Map.entry("deep", node))) : node;
        }

        private Node value(int depth) {
            int kind = random.nextInt(depth > 4 ? 6 : 8);
            return switch (kind) {
                case 0 -> new Str(string());
                case 1 -> integer();
                case 2 -> floating();
                case 3 -> new Bool(random.nextBoolean());
                case 4 -> new Null();
                case 5 -> new Str(random.nextInt(30) == 0 ? "\\ud800" : string());
                case 6 -> object(depth + 1);
                default -> array(depth + 1);
            };
        }

        private Obj object(int depth) {
            int size = random.nextInt(6);
            List<Map.Entry<String, Node>> fields = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String name = random.nextInt(40) == 0 && !fields.isEmpty()
                        ? fields.get(0).getKey()
                        : random.nextInt(60) == 0 ? "timestamp" : random.nextInt(80) == 0 ? "nul\\u0000key" : string();
                fields.add(Map.entry(name, value(depth)));
            }
            return new Obj(fields);
        }

        private Arr array(int depth) {
            int size = random.nextInt(5);
            List<Node> elements = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                elements.add(value(depth));
            }
            return new Arr(elements);
        }

        private Node integer() {
            BigInteger value = switch (random.nextInt(6)) {
                case 0 -> BigInteger.valueOf(random.nextInt(2001) - 1000);
                case 1 ->
                    BigInteger.valueOf(random.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE)
                            .add(BigInteger.valueOf(random.nextInt(3) - 1));
                case 2 -> BigInteger.valueOf(random.nextLong());
                case 3 ->
                    BigInteger.valueOf(random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE)
                            .add(BigInteger.valueOf(random.nextInt(3) - 1));
                case 4 ->
                    new BigInteger(60 + random.nextInt(52), random)
                            .multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
                default -> new BigInteger(100 + random.nextInt(200), random);
            };
            return new Int(value);
        }

        private Node floating() {
            String digits =
                    (random.nextBoolean() ? "-" : "") + random.nextInt(10) + "." + Math.abs(random.nextInt(1_000_000));
            String exponent = switch (random.nextInt(5)) {
                case 0 -> "";
                case 1 -> "e" + (random.nextInt(40) - 20);
                case 2 -> "E" + (300 + random.nextInt(200));
                case 3 -> "e-" + (300 + random.nextInt(200));
                default -> "e" + (6000 + random.nextInt(2000));
            };
            return new Flt(digits + exponent);
        }

        private String string() {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                int kind = random.nextInt(10);
                int codePoint = switch (kind) {
                    case 0 -> 0x1F600 + random.nextInt(80); // emoji, outside the BMP
                    case 1 -> 0x4E00 + random.nextInt(100);
                    case 2 -> 0xE9;
                    case 3 -> random.nextInt(0x20); // control characters, escaped in JSON
                    default -> 'a' + random.nextInt(26);
                };
                text.appendCodePoint(codePoint);
            }
            return text.toString();
        }

        private String whiteSpace() {
            return " \t\n\r".substring(0, random.nextInt(5));
        }

        private String plainText() {
            String text = string();
            char first = "abcXYZ\"0-".charAt(random.nextInt(9));
            return first + text;
        }

        private byte[] invalidUtf8StartingLikeJson() {
            byte[] bytes = ("{\"k\":\"" + string() + "x\"}").getBytes(StandardCharsets.UTF_8);
            bytes[6] = (byte) (0x80 | random.nextInt(0x40)); // a continuation byte with no lead byte
            return bytes;
        }

        private byte[] randomBytesNotLikeJson() {
            byte[] bytes = new byte[1 + random.nextInt(40)];
            random.nextBytes(bytes);
            bytes[0] = (byte) (0x80 + random.nextInt(0x40));
            return bytes;
        }
    }

    /** The generated JSON model, with the rules for what storing it must give. */
    private sealed interface Node permits Obj, Arr, Str, Int, Flt, Bool, Null {
        String json(Random random);

        /** Why it cannot be stored (depth, duplicates, text BSON cannot hold), or null. */
        String problem(int level);

        /** The exact BSON it must become; null when a number has no exact BSON form. */
        BsonValue bson();

        /** As a Connect schemaless value, or null when there is none (numbers beyond long, escapes). */
        Object connect();
    }

    private record Obj(List<Map.Entry<String, Node>> fields) implements Node {
        List<String> names() {
            return fields.stream().map(Map.Entry::getKey).toList();
        }

        public String json(Random random) {
            StringBuilder json = new StringBuilder("{");
            for (int i = 0; i < fields.size(); i++) {
                json.append(i == 0 ? "" : ",")
                        .append(Str.quote(fields.get(i).getKey()))
                        .append(random.nextBoolean() ? ":" : " : ")
                        .append(fields.get(i).getValue().json(random));
            }
            return json.append('}').toString();
        }

        public String problem(int level) {
            if (level > EventDocumentConverter.MAX_DEPTH) {
                return "too deep";
            }
            Set<String> seen = new HashSet<>();
            for (Map.Entry<String, Node> field : fields) {
                if (!seen.add(Str.unescape(field.getKey()))) {
                    return "duplicate key";
                }
                if (Str.unescape(field.getKey()).indexOf('\u0000') >= 0) {
                    return "NUL in a key";
                }
                String inner = field.getValue().problem(level + 1);
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }

        public BsonValue bson() {
            BsonDocument document = new BsonDocument();
            for (Map.Entry<String, Node> field : fields) {
                BsonValue value = field.getValue().bson();
                if (value == null) {
                    return null;
                }
                document.put(Str.unescape(field.getKey()), value);
            }
            return document;
        }

        public Object connect() {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, Node> field : fields) {
                Object value = field.getValue().connect();
                if (value == null && !(field.getValue() instanceof Null)
                        || field.getKey().contains("\\")
                        || map.containsKey(field.getKey())) {
                    return null;
                }
                map.put(field.getKey(), value);
            }
            return map;
        }
    }

    private record Arr(List<Node> elements) implements Node {
        public String json(Random random) {
            StringBuilder json = new StringBuilder("[");
            for (int i = 0; i < elements.size(); i++) {
                json.append(i == 0 ? "" : random.nextBoolean() ? "," : ", ")
                        .append(elements.get(i).json(random));
            }
            return json.append(']').toString();
        }

        public String problem(int level) {
            if (level > EventDocumentConverter.MAX_DEPTH) {
                return "too deep";
            }
            for (Node element : elements) {
                String inner = element.problem(level + 1);
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }

        public BsonValue bson() {
            BsonArray array = new BsonArray();
            for (Node element : elements) {
                BsonValue value = element.bson();
                if (value == null) {
                    return null;
                }
                array.add(value);
            }
            return array;
        }

        public Object connect() {
            List<Object> list = new ArrayList<>();
            for (Node element : elements) {
                Object value = element.connect();
                if (value == null && !(element instanceof Null)) {
                    return null;
                }
                list.add(value);
            }
            return list;
        }
    }

    /** A string; its text may hold a JSON escape such as a lone surrogate ("\\ud800") written as is. */
    private record Str(String text) implements Node {
        static String quote(String text) {
            if (text.startsWith("\\u") || text.contains("\\u0000")) {
                return "\"" + text + "\"";
            }
            StringBuilder json = new StringBuilder("\"");
            text.codePoints().forEach(c -> {
                if (c == '"' || c == '\\') {
                    json.append('\\').appendCodePoint(c);
                } else if (c < 0x20) {
                    json.append(String.format("\\u%04x", c));
                } else {
                    json.appendCodePoint(c);
                }
            });
            return json.append('"').toString();
        }

        static String unescape(String text) {
            return text.replace("\\u0000", "\u0000").replace("\\ud800", "\ud800");
        }

        public String json(Random random) {
            return quote(text);
        }

        public String problem(int level) {
            return text.contains("\\ud800") ? "lone surrogate" : null;
        }

        public BsonValue bson() {
            return new BsonString(unescape(text));
        }

        public Object connect() {
            return text.contains("\\") ? null : text;
        }
    }

    private record Int(BigInteger value) implements Node {
        public String json(Random random) {
            return value.toString();
        }

        public String problem(int level) {
            return null;
        }

        public BsonValue bson() {
            if (value.bitLength() < 32) {
                return new BsonInt32(value.intValue());
            }
            if (value.bitLength() < 64) {
                return new BsonInt64(value.longValue());
            }
            try {
                return new BsonDecimal128(new Decimal128(new BigDecimal(value)));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        public Object connect() {
            return value.bitLength() < 64 ? (Object) value.longValue() : null;
        }
    }

    private record Flt(String text) implements Node {
        public String json(Random random) {
            return text;
        }

        public String problem(int level) {
            return null;
        }

        public BsonValue bson() {
            double value = Double.parseDouble(text);
            BigDecimal exact = new BigDecimal(text);
            if (Double.isInfinite(value) || value == 0.0 && exact.signum() != 0) {
                try {
                    return new BsonDecimal128(new Decimal128(exact));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return new BsonDouble(value);
        }

        public Object connect() {
            double value = Double.parseDouble(text);
            return Double.isInfinite(value) || value == 0.0 ? null : value;
        }
    }

    private record Bool(boolean value) implements Node {
        public String json(Random random) {
            return Boolean.toString(value);
        }

        public String problem(int level) {
            return null;
        }

        public BsonValue bson() {
            return BsonBoolean.valueOf(value);
        }

        public Object connect() {
            return value;
        }
    }

    private record Null() implements Node {
        public String json(Random random) {
            return "null";
        }

        public String problem(int level) {
            return null;
        }

        public BsonValue bson() {
            return BsonNull.VALUE;
        }

        public Object connect() {
            return null;
        }
    }
}
