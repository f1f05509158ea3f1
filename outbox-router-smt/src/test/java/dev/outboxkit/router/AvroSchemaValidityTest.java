package dev.outboxkit.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.outboxkit.router.json.RandomJson;
import io.apicurio.registry.utils.converter.avro.AvroData;

/**
 * Every key and value schema the router emits with {@code field.name.adjustment.mode=avro} converts to Avro with
 * a real Connect-to-Avro conversion (Apicurio's {@code AvroData}, what its AvroConverter runs), its values
 * convert too, and the Avro schema text parses with Avro's own parser and has only ASCII Avro names (stricter
 * than Avro 1.11's parser, which lets non-ASCII letters through). Inputs: the differential test's generated
 * change events under all its configurations, and the JSON expansion property test's documents with hostile keys.
 */
class AvroSchemaValidityTest {

    private static final Pattern AVRO_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final AvroData avroData = new AvroData(100);

    static Stream<Arguments> differentialCases() {
        return DebeziumDifferentialTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("differentialCases")
    void everySchemaFromTheDifferentialInputsIsValidAvro(
            String name, DebeziumDifferentialTest.Table table, Map<String, String> config) {
        Map<String, String> avro = new HashMap<>(config);
        avro.put("field.name.adjustment.mode", "avro");
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(avro);
        int converted = 0;
        try {
            Random random = new Random(name.hashCode());
            for (int i = 0; i < DebeziumDifferentialTest.EVENTS_PER_CASE; i++) {
                String op = DebeziumDifferentialTest.pickOp(random, name);
                SourceRecord event = router.apply(DebeziumDifferentialTest.input(table, op, i, random.nextLong()));
                if (event == null) {
                    continue;
                }
                assertValidAvro(name + ", event " + i + " key", event.keySchema(), event.key());
                if (event.valueSchema() != null) {
                    assertValidAvro(name + ", event " + i + " value", event.valueSchema(), event.value());
                    converted++;
                }
            }
        } finally {
            router.close();
        }
        assertThat(converted)
                .as("values converted in case " + name)
                .isGreaterThan(DebeziumDifferentialTest.EVENTS_PER_CASE / 2);
    }

    @Test
    void everySchemaFromTheExpansionPropertyDocumentsWithHostileKeysIsValidAvro() {
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(OutboxEventRouterTest.config(
                "table.expand.json.payload",
                "true",
                "field.name.adjustment.mode",
                "avro",
                "table.json.payload.null.behavior",
                "optional_bytes",
                "table.json.payload.empty.array.behavior",
                "optional_string"));
        RandomJson documents = new RandomJson(23, RandomJson.HOSTILE_NAMES);
        int structured = 0;
        for (int i = 0; i < 20_000; i++) {
            String json = documents.document();
            SourceRecord event =
                    router.apply(ChangeEvents.create(ChangeEvents.outboxRow("ev-" + i, "Order", "o-" + i, "T", json)));
            assertValidAvro(json, event.valueSchema(), event.value());
            if (event.valueSchema().type() != org.apache.kafka.connect.data.Schema.Type.STRING) {
                structured++;
            }
        }
        router.close();
        assertThat(structured)
                .as("documents expanded (two keys becoming one name are kept as text)")
                .isGreaterThan(15_000);
    }

    @Test
    void aSecondPayloadShapeThatOnlyAddsFieldsIsBackwardCompatibleWithTheFirst() {
        Schema first = avroValueSchema("{\"orderId\":\"o-1\",\"total\":12.5,\"lines\":[{\"sku\":\"a\",\"qty\":1}]}");
        Schema second =
                avroValueSchema("{\"orderId\":\"o-2\",\"customer\":{\"id\":7,\"first-name\":\"Ada\"},\"total\":3.0,"
                        + "\"lines\":[{\"sku\":\"b\",\"qty\":2,\"note\":\"gift\"}],\"paid\":true}");

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(second, first)
                        .getType())
                .as("the new schema reads data written with the old one")
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    /** What the README says: a field that changes type breaks backward compatibility; a registry refuses the schema. */
    @Test
    void aFieldThatChangesTypeIsNotBackwardCompatible() {
        Schema first = avroValueSchema("{\"orderId\":\"o-1\",\"total\":12}");
        Schema second = avroValueSchema("{\"orderId\":\"o-1\",\"total\":\"12.00\"}");

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(second, first)
                        .getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private Schema avroValueSchema(String json) {
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(OutboxEventRouterTest.config(
                "table.expand.json.payload", "true", "field.name.adjustment.mode", "avro"));
        SourceRecord event =
                router.apply(ChangeEvents.create(ChangeEvents.outboxRow("ev-1", "Order", "o-1", "T", json)));
        router.close();
        assertValidAvro(json, event.valueSchema(), event.value());
        return avroData.fromConnectSchema(event.valueSchema());
    }

    private void assertValidAvro(String place, org.apache.kafka.connect.data.Schema connectSchema, Object value) {
        if (connectSchema == null) {
            return;
        }
        Schema avro = avroData.fromConnectSchema(connectSchema);
        Schema parsed = new Schema.Parser().parse(avro.toString());
        assertThat(parsed).as(place + ": parsed back").isEqualTo(avro);
        assertAsciiNames(place, parsed, new HashSet<>());
        avroData.fromConnectData(connectSchema, value); // the value converts under the schema, or this throws
    }

    private static void assertAsciiNames(String place, Schema schema, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD:
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                for (String part : schema.getFullName().split("\\.")) {
                    assertThat(part).as(place + ": record name part").matches(AVRO_NAME);
                }
                for (Schema.Field field : schema.getFields()) {
                    assertThat(field.name()).as(place + ": field name").matches(AVRO_NAME);
                    assertAsciiNames(place, field.schema(), seen);
                }
                break;
            case UNION:
                schema.getTypes().forEach(type -> assertAsciiNames(place, type, seen));
                break;
            case ARRAY:
                assertAsciiNames(place, schema.getElementType(), seen);
                break;
            case MAP:
                assertAsciiNames(place, schema.getValueType(), seen);
                break;
            default:
                break;
        }
    }
}
