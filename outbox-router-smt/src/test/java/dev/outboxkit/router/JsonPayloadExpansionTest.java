package dev.outboxkit.router;

import static dev.outboxkit.router.ChangeEvents.create;
import static dev.outboxkit.router.ChangeEvents.outboxRow;
import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class JsonPayloadExpansionTest {

    private static OutboxEventRouter<SourceRecord> router(String... extra) {
        List<String> config = new ArrayList<>(List.of("table.expand.json.payload", "true"));
        config.addAll(List.of(extra));
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(config(config.toArray(new String[0])));
        return router;
    }

    private static SourceRecord expand(String json, String... extra) {
        return router(extra).apply(create(outboxRow("ev-1", "Order", "o-1", "Created", json)));
    }

    /** The value must match its schema exactly, as a converter would check it. */
    private static void assertValueMatchesSchema(SourceRecord event) {
        ConnectSchema.validateValue(event.valueSchema(), event.value());
    }

    @Test
    void objectBecomesAStructNamedAfterThePayloadColumnWithNestedPathNames() {
        SourceRecord event = expand("{\"id\":7,\"big\":10000000000,\"price\":9.5,\"name\":\"x\",\"ok\":true,"
                + "\"address\":{\"city\":\"Oslo\"},\"tags\":[\"a\",\"b\"],\"none\":null,\"empty\":[]}");

        Schema address = SchemaBuilder.struct()
                .name("payload.address")
                .optional()
                .field("city", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Schema expected = SchemaBuilder.struct()
                .name("payload")
                .optional()
                .field("id", Schema.OPTIONAL_INT32_SCHEMA)
                .field("big", Schema.OPTIONAL_INT64_SCHEMA)
                .field("price", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("ok", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .field("address", address)
                .field(
                        "tags",
                        SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA)
                                .optional()
                                .build())
                .build();
        assertThat(event.valueSchema()).isEqualTo(expected);
        Struct value = (Struct) event.value();
        assertThat(value.get("id")).isEqualTo(7);
        assertThat(value.get("big")).isEqualTo(10_000_000_000L);
        assertThat(value.get("price")).isEqualTo(9.5);
        assertThat(value.getStruct("address").get("city")).isEqualTo("Oslo");
        assertThat(value.getArray("tags")).containsExactly("a", "b");
        assertValueMatchesSchema(event);
    }

    @Test
    void nullsAndEmptyArraysAreTypedWhenConfigured() {
        SourceRecord event = expand(
                "{\"none\":null,\"empty\":[]}",
                "table.json.payload.null.behavior",
                "optional_bytes",
                "table.json.payload.empty.array.behavior",
                "optional_string");

        assertThat(event.valueSchema().field("none").schema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
        assertThat(event.valueSchema().field("empty").schema())
                .isEqualTo(SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA)
                        .optional()
                        .build());
        assertThat(((Struct) event.value()).getArray("empty")).isEmpty();
        assertValueMatchesSchema(event);
    }

    @Test
    void secondPayloadShapeUnderTheSameSchemaVersionGetsItsOwnSchema() {
        Schema rowSchema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                        .field("version", Schema.INT32_SCHEMA));
        OutboxEventRouter<SourceRecord> router = router(
                "table.field.event.schema.version",
                "version",
                "table.fields.additional.placement",
                "aggregatetype:envelope:type");

        SourceRecord first = router.apply(create(new Struct(rowSchema)
                .put("id", "e1")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o1")
                .put("payload", "{\"a\":1}")
                .put("version", 3)));
        SourceRecord second = router.apply(create(new Struct(rowSchema)
                .put("id", "e2")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o1")
                .put("payload", "{\"b\":\"x\"}")
                .put("version", 3)));

        assertThat(first.valueSchema().version()).isEqualTo(3);
        assertThat(second.valueSchema().version()).isEqualTo(3);
        assertThat(first.valueSchema().field("payload").schema().fields())
                .extracting(f -> f.name())
                .containsExactly("a");
        assertThat(second.valueSchema().field("payload").schema().fields())
                .extracting(f -> f.name())
                .containsExactly("b");
        assertThat(((Struct) second.value()).getStruct("payload").get("b")).isEqualTo("x");
        assertValueMatchesSchema(first);
        assertValueMatchesSchema(second);
    }

    @Test
    void topLevelArrayYieldsAnArrayValueWithAnArraySchema() {
        SourceRecord event = expand("[{\"sku\":\"A\",\"qty\":1},{\"sku\":\"B\",\"qty\":2}]");

        Schema item = SchemaBuilder.struct()
                .name("payload")
                .optional()
                .field("sku", Schema.OPTIONAL_STRING_SCHEMA)
                .field("qty", Schema.OPTIONAL_INT32_SCHEMA)
                .build();
        assertThat(event.valueSchema())
                .isEqualTo(SchemaBuilder.array(item).optional().build());
        @SuppressWarnings("unchecked")
        List<Struct> items = (List<Struct>) event.value();
        assertThat(items).extracting(s -> s.get("sku")).containsExactly("A", "B");
        assertThat(items).extracting(s -> s.get("qty")).containsExactly(1, 2);
        assertValueMatchesSchema(event);
    }

    @Test
    void integersBeyondTheLongRangeAreDecimalsWithScaleZero() {
        SourceRecord event = expand("{\"huge\":123456789012345678901234567890}");

        Schema huge = event.valueSchema().field("huge").schema();
        assertThat(huge.name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(huge.parameters()).containsEntry(Decimal.SCALE_FIELD, "0");
        assertThat(((Struct) event.value()).get("huge")).isEqualTo(new BigDecimal("123456789012345678901234567890"));
        assertValueMatchesSchema(event);
    }

    @Test
    void mixedNumericArraysWidenToATypeThatHoldsEveryElement() {
        SourceRecord event = expand("{\"mixed\":[1,2.5,3],\"wide\":[1,10000000000],\"huge\":[1,99999999999999999999]}");

        Struct value = (Struct) event.value();
        assertThat(event.valueSchema().field("mixed").schema().valueSchema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
        assertThat(value.getArray("mixed")).containsExactly(1.0, 2.5, 3.0);
        assertThat(event.valueSchema().field("wide").schema().valueSchema()).isEqualTo(Schema.OPTIONAL_INT64_SCHEMA);
        assertThat(value.getArray("wide")).containsExactly(1L, 10_000_000_000L);
        assertThat(event.valueSchema().field("huge").schema().valueSchema().name())
                .isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(value.getArray("huge")).containsExactly(BigDecimal.ONE, new BigDecimal("99999999999999999999"));
        assertValueMatchesSchema(event);
    }

    @Test
    void arraysOfObjectsWithDifferentFieldsGetTheUnionInFirstSeenOrder() {
        SourceRecord event = expand("{\"lines\":[{\"sku\":\"A\",\"qty\":1},{\"qty\":2.5,\"note\":\"gift\"}]}");

        Schema line = event.valueSchema().field("lines").schema().valueSchema();
        assertThat(line.name()).isEqualTo("payload.lines");
        assertThat(line.fields()).extracting(f -> f.name()).containsExactly("sku", "qty", "note");
        assertThat(line.field("qty").schema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
        List<Struct> lines = ((Struct) event.value()).getArray("lines");
        assertThat(lines.get(0).get("qty")).isEqualTo(1.0);
        assertThat(lines.get(1).get("note")).isEqualTo("gift");
        assertValueMatchesSchema(event);
    }

    @Test
    void textThatCannotBeExpandedStaysTextWithATextSchema() {
        for (String text : List.of("not json", "{\"broken\":", "{\"mixed\":[1,\"a\"]}")) {
            SourceRecord event = expand(text);
            assertThat(event.valueSchema()).as(text).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
            assertThat(event.value()).as(text).isEqualTo(text);
        }
    }

    @Test
    void sameShapeReusesOneSchemaInstance() {
        OutboxEventRouter<SourceRecord> router = router();
        SourceRecord first = router.apply(create(outboxRow("e1", "Order", "o1", "Created", "{\"a\":1,\"b\":[1]}")));
        SourceRecord second = router.apply(create(outboxRow("e2", "Order", "o2", "Created", "{\"a\":5,\"b\":[7,8]}")));

        assertThat(second.valueSchema()).isSameAs(first.valueSchema());
    }

    @Test
    void concurrentApplyOnOneInstanceGivesEveryThreadCorrectSchemasBeyondTheCacheBound() throws Exception {
        OutboxEventRouter<SourceRecord> router = router("table.fields.additional.placement", "type:envelope");
        int threads = 4;
        int perThread = 1500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < perThread; i++) {
                        // 1500 distinct field names per thread: more shapes than any cache holds.
                        String field = "f" + thread + "_" + i;
                        String type = (i % 2 == 0) ? "Order" : "Customer";
                        SourceRecord event = router.apply(
                                create(outboxRow("e" + i, type, "a" + i, "T" + i, "{\"" + field + "\":" + i + "}")));
                        Schema payload = event.valueSchema().field("payload").schema();
                        assertThat(payload.fields()).extracting(f -> f.name()).containsExactly(field);
                        assertThat(event.valueSchema().name())
                                .isEqualTo("dbserver1.inventory.outbox." + type + ".Value");
                        assertThat(((Struct) event.value()).getStruct("payload").get(field))
                                .isEqualTo(i);
                        assertThat(((Struct) event.value()).get("type")).isEqualTo("T" + i);
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void adjustedKeysKeepTheirValuesUnderTheAdjustedNamesAllTheWayDown() {
        SourceRecord event = expand(
                "{\"first-name\":\"Ada\",\"1st\":{\"$id\":7},\"lines\":[{\"unit.price\":2.5}]}",
                "field.name.adjustment.mode",
                "avro");

        Struct value = (Struct) event.value();
        assertThat(value.schema().fields())
                .extracting(org.apache.kafka.connect.data.Field::name)
                .containsExactly("first_name", "_1st", "lines");
        assertThat(value.getString("first_name")).isEqualTo("Ada");
        assertThat(value.getStruct("_1st").schema().name()).isEqualTo("payload._1st");
        assertThat(value.getStruct("_1st").getInt32("_id")).isEqualTo(7);
        assertThat(((Struct) value.getArray("lines").get(0)).getFloat64("unit_price"))
                .isEqualTo(2.5);
        assertValueMatchesSchema(event);
    }

    @Test
    void twoKeysThatBecomeOneNameKeepThePayloadAsText() {
        String json = "{\"a-b\":1,\"a.b\":2}";
        SourceRecord event = expand(json, "field.name.adjustment.mode", "avro");

        assertThat(event.valueSchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(event.value()).isEqualTo(json);
        SourceRecord unicode = expand(json, "field.name.adjustment.mode", "avro_unicode");
        assertThat(((Struct) unicode.value()).getInt32("a_u002db")).isEqualTo(1);
        assertThat(((Struct) unicode.value()).getInt32("a_u002eb")).isEqualTo(2);
    }

    @Test
    void anEnvelopeSchemaNamedAfterAnAggregateTypeIsAValidAvroName() {
        OutboxEventRouter<SourceRecord> router =
                router("field.name.adjustment.mode", "avro", "table.fields.additional.placement", "type:envelope");
        SourceRecord event = router.apply(create(outboxRow("ev-1", "Order-Line", "o-1", "Created", "{\"n\":1}")));

        assertThat(event.topic()).isEqualTo("outbox.event.Order-Line");
        assertThat(event.valueSchema().name()).isEqualTo("dbserver1.inventory.outbox.Order_Line.Value");
    }
}
