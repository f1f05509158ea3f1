package dev.outboxkit.router;

import static dev.outboxkit.router.ChangeEvents.headers;
import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.debezium.transforms.outbox.EventRouter;

/**
 * Runs Debezium's own {@code io.debezium.transforms.outbox.EventRouter} (3.7) and ours over the same generated
 * change events and configurations, and compares every field of every output record: topic, partition, key and
 * key schema, value and value schema, timestamp, headers, source partition and offset.
 *
 * <p>The inputs stay inside what Debezium handles correctly; where Debezium is wrong (see the router's README
 * section) the behaviour is specified by the other tests instead. Each router gets its own copy of every input,
 * since Debezium adds headers to its input record.
 */
class DebeziumDifferentialTest {

    static final int EVENTS_PER_CASE = 400;
    private static final List<String> AGGREGATE_TYPES = List.of("Order", "Customer", "Invoice", "Shipment");

    /** A table layout: its row schema and how to fill a row from an event number. */
    record Table(Schema rowSchema, Function<Integer, Struct> rowFactory) {}

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("default options", classic(false), config()),
                Arguments.of(
                        "header placements",
                        classic(false),
                        config("table.fields.additional.placement", "type:header:eventType,aggregatetype:header")),
                Arguments.of(
                        "envelope placement, one aggregate type",
                        classic(true),
                        config("table.fields.additional.placement", "type:envelope:eventType,aggregatetype:header:at")),
                Arguments.of(
                        "partition placement", rich(), config("table.fields.additional.placement", "part:partition")),
                Arguments.of("Timestamp column", rich(), config("table.field.event.timestamp", "created_ms")),
                Arguments.of("MicroTimestamp column", rich(), config("table.field.event.timestamp", "created_us")),
                Arguments.of("NanoTimestamp column", rich(), config("table.field.event.timestamp", "created_ns")),
                Arguments.of("numeric ids and keys", numericIds(), config()),
                Arguments.of(
                        "custom columns",
                        rich(),
                        config(
                                "table.field.event.id",
                                "event_id",
                                "table.field.event.key",
                                "tenant",
                                "route.by.field",
                                "category",
                                "table.field.event.payload",
                                "body")),
                Arguments.of(
                        "custom regex and replacement",
                        classic(false),
                        config(
                                "route.topic.regex",
                                "(?<routedByValue>Order|Customer)",
                                "route.topic.replacement",
                                "shop.${routedByValue}.v1")),
                Arguments.of(
                        "tombstone on empty payload",
                        classic(false),
                        config("route.tombstone.on.empty.payload", "true")),
                Arguments.of(
                        "schema version with envelope",
                        rich(),
                        config(
                                "table.field.event.schema.version",
                                "version",
                                "table.fields.additional.placement",
                                "type:envelope,category:envelope:cat")),
                Arguments.of(
                        "missing placed column ignored",
                        classic(false),
                        config(
                                "table.field.additional.missing",
                                "ignore",
                                "table.fields.additional.placement",
                                "tenant:header,type:header:eventType")),
                Arguments.of("JSON expansion", classic(false), config("table.expand.json.payload", "true")),
                Arguments.of(
                        "JSON expansion with typed nulls and empty arrays",
                        classic(false),
                        config(
                                "table.expand.json.payload",
                                "true",
                                "table.json.payload.null.behavior",
                                "optional_bytes",
                                "table.json.payload.empty.array.behavior",
                                "optional_string")),
                Arguments.of(
                        "JSON expansion with header placement",
                        classic(false),
                        config(
                                "table.expand.json.payload",
                                "true",
                                "table.fields.additional.placement",
                                "type:header:eventType")),
                Arguments.of(
                        "update events dropped with warn",
                        classic(false),
                        config("table.op.invalid.behavior", "warn")));
    }

    /** Spellings of options a user may have in a working Debezium config: where Debezium starts, ours must too. */
    private static final List<Map<String, String>> LENIENT_SPELLINGS = List.of(
            config("table.fields.additional.placement", "type:header:eventType,"),
            config("table.fields.additional.placement", " type : header : eventType , aggregatetype:header "),
            config("table.fields.additional.placement", "type:HEADER:eventType"),
            config("table.fields.additional.placement", ""),
            config("table.op.invalid.behavior", "WARN"),
            config("table.op.invalid.behavior", " error "),
            config("table.field.additional.missing", "IGNORE"),
            config("table.json.payload.null.behavior", "OPTIONAL_BYTES"),
            config("table.json.payload.empty.array.behavior", "Optional_String"),
            config("table.expand.json.payload", "TRUE"),
            config("route.tombstone.on.empty.payload", " true "));

    /** The one known difference in expansion, listed in the README: Debezium makes a merged element struct required. */
    @org.junit.jupiter.api.Test
    void anArrayOfDifferentlyShapedObjectsKeepsAnOptionalElementStructWhereDebeziumMakesItRequired() {
        Map<String, String> config = config("table.expand.json.payload", "true");
        EventRouter<SourceRecord> debezium = new EventRouter<>();
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        debezium.configure(config);
        ours.configure(config);
        try {
            String payload = "{\"items\":[{\"a\":1},{\"b\":\"x\"}]}";
            Schema theirs = debezium.apply(
                            ChangeEvents.create(ChangeEvents.outboxRow("ev-1", "Order", "o-1", "T", payload)))
                    .valueSchema()
                    .field("items")
                    .schema()
                    .valueSchema();
            Schema mine = ours.apply(ChangeEvents.create(ChangeEvents.outboxRow("ev-1", "Order", "o-1", "T", payload)))
                    .valueSchema()
                    .field("items")
                    .schema()
                    .valueSchema();

            assertThat(theirs.isOptional())
                    .as("Debezium's merged element struct")
                    .isFalse();
            assertThat(mine.isOptional())
                    .as("ours, as Debezium's own for same-shaped arrays")
                    .isTrue();
            assertThat(mine.fields())
                    .extracting(org.apache.kafka.connect.data.Field::name)
                    .containsExactly("a", "b");
        } finally {
            debezium.close();
            ours.close();
        }
    }

    @org.junit.jupiter.api.Test
    void everyConfigurationDebeziumStartsWithStartsOursWithTheSameOutput() {
        List<Map<String, String>> startedByDebezium = new java.util.ArrayList<>();
        for (Map<String, String> config : LENIENT_SPELLINGS) {
            EventRouter<SourceRecord> debezium = new EventRouter<>();
            try {
                debezium.configure(config);
                startedByDebezium.add(config);
            } catch (RuntimeException e) {
                // Not a configuration Debezium starts with; ours may refuse it (it accepts an empty list).
            } finally {
                debezium.close();
            }
        }
        assertThat(startedByDebezium)
                .as("the spellings Debezium 3.7 starts with")
                .hasSize(LENIENT_SPELLINGS.size() - 1)
                .doesNotContain(config("table.fields.additional.placement", ""));
        for (Map<String, String> config : startedByDebezium) {
            ourOutputEqualsDebeziumsForEveryRecord("lenient " + config, classic(false), config);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ourOutputEqualsDebeziumsForEveryRecord(String name, Table table, Map<String, String> config) {
        EventRouter<SourceRecord> debezium = new EventRouter<>();
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        debezium.configure(config);
        ours.configure(config);
        int routed = 0;
        try {
            Random random = new Random(name.hashCode());
            for (int i = 0; i < EVENTS_PER_CASE; i++) {
                String op = pickOp(random, name);
                long seed = random.nextLong();
                SourceRecord forDebezium = input(table, op, i, seed);
                SourceRecord forUs = input(table, op, i, seed);

                SourceRecord expected = debezium.apply(forDebezium);
                SourceRecord actual = ours.apply(forUs);

                String place = name + ", event " + i + " (op " + op + ")";
                if (expected == null) {
                    assertThat(actual).as(place).isNull();
                    continue;
                }
                routed++;
                assertSameRecord(place, actual, expected);
            }
        } finally {
            debezium.close();
            ours.close();
        }
        assertThat(routed).as("events routed in case " + name).isGreaterThan(EVENTS_PER_CASE / 2);
    }

    /** Keys Avro rejects, none of which meet another after adjustment (Debezium fails the task when two do). */
    private static final String[] AVRO_HOSTILE_NAMES = {
        "orderId", "first-name", "1st", "$id", "prénom", "ship.to", "total", "_meta", "lines"
    };

    /**
     * With {@code field.name.adjustment.mode}, every schema equals Debezium's. Debezium then looks values up by the
     * adjusted name and loses every value whose key was adjusted (it stores null); ours keeps them. So the values
     * are compared with what Debezium gives for the same document written with the adjusted keys in the first place.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"avro", "avro_unicode"})
    void adjustedNamesGiveDebeziumsSchemasAndTheValuesDebeziumLoses(String mode) {
        Map<String, String> adjusted = config("table.expand.json.payload", "true", "field.name.adjustment.mode", mode);
        EventRouter<SourceRecord> debezium = new EventRouter<>();
        EventRouter<SourceRecord> debeziumOnAdjustedKeys = new EventRouter<>();
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        debezium.configure(adjusted);
        debeziumOnAdjustedKeys.configure(config("table.expand.json.payload", "true"));
        ours.configure(adjusted);
        dev.outboxkit.router.json.FieldNameAdjustment adjustment =
                dev.outboxkit.router.json.FieldNameAdjustment.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
        String[] adjustedNames = java.util.Arrays.stream(AVRO_HOSTILE_NAMES)
                .map(adjustment::adjust)
                .toArray(String[]::new);
        int lostByDebezium = 0;
        try {
            Table table = classic(false);
            for (int i = 0; i < EVENTS_PER_CASE; i++) {
                long seed = 1000L * i + mode.length();
                String original = toJson(randomObject(new Random(seed), 0, AVRO_HOSTILE_NAMES));
                String withAdjustedKeys = toJson(randomObject(new Random(seed), 0, adjustedNames));
                SourceRecord theirs = debezium.apply(
                        ChangeEvents.create(table.rowFactory().apply(i).put("payload", original)));
                SourceRecord oracle = debeziumOnAdjustedKeys.apply(
                        ChangeEvents.create(table.rowFactory().apply(i).put("payload", withAdjustedKeys)));
                SourceRecord actual = ours.apply(
                        ChangeEvents.create(table.rowFactory().apply(i).put("payload", original)));

                String place = mode + ", event " + i;
                assertThat(actual.valueSchema()).as(place + ": value schema").isEqualTo(theirs.valueSchema());
                assertThat(actual.valueSchema())
                        .as(place + ": same schema as for adjusted keys")
                        .isEqualTo(oracle.valueSchema());
                assertThat(actual.value()).as(place + ": value").isEqualTo(oracle.value());
                assertThat(actual.key()).as(place + ": key").isEqualTo(theirs.key());
                assertThat(headers(actual)).as(place + ": headers").isEqualTo(headers(theirs));
                if (!theirs.value().equals(oracle.value())) {
                    lostByDebezium++;
                }
            }
        } finally {
            debezium.close();
            debeziumOnAdjustedKeys.close();
            ours.close();
        }
        assertThat(lostByDebezium)
                .as("events where Debezium stored null for an adjusted key")
                .isGreaterThan(EVENTS_PER_CASE / 2);
    }

    private static void assertSameRecord(String place, SourceRecord actual, SourceRecord expected) {
        assertThat(actual.topic()).as(place + ": topic").isEqualTo(expected.topic());
        assertThat(actual.kafkaPartition()).as(place + ": partition").isEqualTo(expected.kafkaPartition());
        assertThat(actual.keySchema()).as(place + ": key schema").isEqualTo(expected.keySchema());
        assertThat(actual.key()).as(place + ": key").isEqualTo(expected.key());
        assertThat(actual.valueSchema()).as(place + ": value schema").isEqualTo(expected.valueSchema());
        assertThat(actual.value()).as(place + ": value").isEqualTo(expected.value());
        assertThat(actual.timestamp()).as(place + ": timestamp").isEqualTo(expected.timestamp());
        assertThat(headers(actual)).as(place + ": headers").isEqualTo(headers(expected));
        assertThat(actual.sourcePartition()).as(place + ": source partition").isEqualTo(expected.sourcePartition());
        assertThat(actual.sourceOffset()).as(place + ": source offset").isEqualTo(expected.sourceOffset());
    }

    static String pickOp(Random random, String name) {
        int roll = random.nextInt(100);
        if (name.startsWith("update")) {
            return roll < 60 ? "c" : roll < 90 ? "u" : "d";
        }
        return roll < 70 ? "c" : roll < 90 ? "r" : "d";
    }

    static SourceRecord input(Table table, String op, int i, long seed) {
        Struct row = table.rowFactory().apply(i);
        Random random = new Random(seed);
        if (row.schema().field("payload") != null
                && row.schema().field("payload").schema().type() == Schema.Type.STRING) {
            row.put("payload", randomPayload(random, i));
        }
        if (row.schema().field("body") != null) {
            row.put("body", randomPayload(random, i));
        }
        return ChangeEvents.event(op, row);
    }

    private static Table classic(boolean oneAggregateType) {
        Schema schema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("type", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA));
        return new Table(
                schema,
                i -> new Struct(schema)
                        .put("id", "ev-" + i)
                        .put(
                                "aggregatetype",
                                oneAggregateType ? "Order" : AGGREGATE_TYPES.get(i % AGGREGATE_TYPES.size()))
                        .put("aggregateid", "agg-" + (i % 37))
                        .put("type", "Type" + (i % 5)));
    }

    private static Table rich() {
        Schema schema = ChangeEvents.rowSchema(
                "outbox_rich",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("event_id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("category", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("tenant", Schema.STRING_SCHEMA)
                        .field("type", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                        .field("body", Schema.OPTIONAL_STRING_SCHEMA)
                        .field("part", Schema.INT32_SCHEMA)
                        .field("version", Schema.INT32_SCHEMA)
                        .field(
                                "created_ms",
                                new SchemaBuilder(Schema.Type.INT64)
                                        .name("io.debezium.time.Timestamp")
                                        .build())
                        .field(
                                "created_us",
                                new SchemaBuilder(Schema.Type.INT64)
                                        .name("io.debezium.time.MicroTimestamp")
                                        .build())
                        .field(
                                "created_ns",
                                new SchemaBuilder(Schema.Type.INT64)
                                        .name("io.debezium.time.NanoTimestamp")
                                        .build()));
        return new Table(schema, i -> {
            long ms = 1_700_000_000_000L + i * 1_013L;
            return new Struct(schema)
                    .put("id", "ev-" + i)
                    .put("event_id", "evt-" + (i * 7))
                    // One aggregate type: with envelope placements Debezium names schemas after the first type only.
                    .put("aggregatetype", "Order")
                    .put("category", "Order")
                    .put("aggregateid", "agg-" + (i % 23))
                    .put("tenant", "tenant-" + (i % 3))
                    .put("type", "Type" + (i % 4))
                    .put("part", i % 6)
                    // One payload shape per version: Debezium caches a versioned schema by version alone.
                    .put("version", 1)
                    .put("created_ms", ms)
                    .put("created_us", ms * 1_000 + 123)
                    .put("created_ns", ms * 1_000_000 + 456_789);
        });
    }

    private static Table numericIds() {
        Schema schema = ChangeEvents.rowSchema(
                "outbox_numeric",
                SchemaBuilder.struct()
                        .field("id", Schema.INT64_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.INT32_SCHEMA)
                        .field("payload", Schema.OPTIONAL_BYTES_SCHEMA));
        return new Table(
                schema,
                i -> new Struct(schema)
                        .put("id", 10_000L + i)
                        .put("aggregatetype", AGGREGATE_TYPES.get(i % AGGREGATE_TYPES.size()))
                        .put("aggregateid", i % 41)
                        .put("payload", ("{\"n\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** JSON text inside what Debezium expands correctly, with the odd empty or null payload. */
    private static String randomPayload(Random random, int i) {
        int roll = random.nextInt(100);
        if (roll < 3) {
            return null;
        }
        if (roll < 6) {
            return roll % 2 == 0 ? "" : "   ";
        }
        if (roll < 9) {
            return "plain text " + i;
        }
        return toJson(randomObject(random, 0));
    }

    private static final String[] FIELD_NAMES = {
        "orderId",
        "customer",
        "total",
        "currency",
        "paid",
        "lines",
        "address",
        "note",
        "tags",
        "discount",
        "createdAt",
        "count",
        "meta"
    };

    private static Map<String, Object> randomObject(Random random, int depth) {
        return randomObject(random, depth, FIELD_NAMES);
    }

    private static Map<String, Object> randomObject(Random random, int depth, String[] names) {
        Map<String, Object> object = new LinkedHashMap<>();
        int fields = 1 + random.nextInt(6);
        for (int f = 0; f < fields; f++) {
            String field = names[random.nextInt(names.length)];
            object.put(field, randomValue(random, depth, names));
        }
        return object;
    }

    private static Object randomValue(Random random, int depth) {
        return randomValue(random, depth, FIELD_NAMES);
    }

    private static Object randomValue(Random random, int depth, String[] names) {
        switch (random.nextInt(depth < 2 ? 11 : 8)) {
            case 0:
                return random.nextInt(1000);
            case 1:
                return 3_000_000_000L + random.nextInt(1000);
            case 2:
                return random.nextInt(10_000) + 0.25;
            case 3:
                return "s" + random.nextInt(100);
            case 4:
                return random.nextBoolean();
            case 5:
                return null;
            case 6:
                return List.of();
            case 7:
                return List.of("a" + random.nextInt(9), "b");
            case 8:
                return List.of(random.nextInt(50), random.nextInt(50), 7);
            case 9:
                return randomObject(random, depth + 1, names);
            default: {
                // Arrays of objects with one shape and no nulls: Debezium merges differing shapes in hash order.
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("sku", "sku-" + random.nextInt(100));
                line.put("qty", 1 + random.nextInt(5));
                Map<String, Object> other = new LinkedHashMap<>();
                other.put("sku", "sku-" + random.nextInt(100));
                other.put("qty", 1 + random.nextInt(5));
                return List.of(line, other);
            }
        }
    }

    private static String toJson(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder json = new StringBuilder("{");
            map.forEach((k, v) -> json.append(json.length() > 1 ? "," : "")
                    .append('"')
                    .append(k)
                    .append("\":")
                    .append(toJson(v)));
            return json.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder json = new StringBuilder("[");
            for (Object item : list) {
                json.append(json.length() > 1 ? "," : "").append(toJson(item));
            }
            return json.append(']').toString();
        }
        return value.toString();
    }
}
