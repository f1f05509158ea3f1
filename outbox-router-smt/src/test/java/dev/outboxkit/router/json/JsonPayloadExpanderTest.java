package dev.outboxkit.router.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.outboxkit.router.RouterConfig.JsonEmptyArrayBehavior;
import dev.outboxkit.router.RouterConfig.JsonNullBehavior;

class JsonPayloadExpanderTest {

    /** 200,000 keys: a quadratic duplicate-key scan would take minutes here, a linear one well under the bound. */
    @org.junit.jupiter.api.Test
    void anObjectWithManyKeysExpandsInLinearTimeAndARepeatedKeyKeepsItsLastValue() {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 200_000; i++) {
            json.append('"').append('k').append(i).append("\":").append(i).append(',');
        }
        json.append("\"k7\":\"last\"}");
        JsonPayloadExpander expander = new JsonPayloadExpander("payload", JsonNullBehavior.IGNORE, JsonEmptyArrayBehavior.IGNORE);

        SchemaAndValue expanded = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> expander.expand(json.toString()));

        org.apache.kafka.connect.data.Struct struct = (org.apache.kafka.connect.data.Struct) expanded.value();
        assertThat(struct.schema().fields()).hasSize(200_000);
        assertThat(struct.schema().fields().get(7).name()).isEqualTo("k7");
        assertThat(struct.get("k7")).isEqualTo("last");
        assertThat(struct.get("k199999")).isEqualTo(199_999);
    }

    private static final String[] NAMES = {"a", "b", "c", "d"};

    /**
     * The fast path (parsing straight into the schema last seen for a hint) must give exactly what the general
     * path gives, for documents that fit and documents that almost fit.
     */
    @ParameterizedTest(name = "nulls={0}, empty arrays={1}")
    @CsvSource({"IGNORE,IGNORE", "OPTIONAL_BYTES,OPTIONAL_STRING", "IGNORE,OPTIONAL_STRING", "OPTIONAL_BYTES,IGNORE"})
    void hintedFastPathAlwaysAgreesWithTheGeneralPath(JsonNullBehavior nulls, JsonEmptyArrayBehavior emptyArrays)
            throws Exception {
        JsonPayloadExpander hinted = new JsonPayloadExpander("payload", nulls, emptyArrays);
        JsonPayloadExpander general = new JsonPayloadExpander("payload", nulls, emptyArrays);
        Random random = new Random(42);
        int expanded = 0;
        for (int i = 0; i < 20_000; i++) {
            String json = random.nextInt(10) == 0 ? randomArray(random, 0) : randomObject(random, 0);
            SchemaAndValue expected;
            try {
                expected = general.expand(json);
            } catch (JsonPayloadExpander.NotExpandableException e) {
                continue;
            }
            SchemaAndValue actual = hinted.expand(json, "hint" + random.nextInt(3));
            assertThat(actual.schema()).as(json).isEqualTo(expected.schema());
            assertThat(actual.value()).as(json).isEqualTo(expected.value());
            expanded++;
        }
        assertThat(expanded).isGreaterThan(15_000);
    }

    private static String randomObject(Random random, int depth) {
        StringBuilder json = new StringBuilder("{");
        int fields = random.nextInt(4);
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                json.append(',');
            }
            // Few names and a fixed order most of the time, so that many documents share a shape.
            String name = random.nextInt(8) == 0 ? NAMES[random.nextInt(NAMES.length)] : NAMES[f];
            json.append('"').append(name).append("\":").append(randomValue(random, depth));
        }
        return json.append('}').toString();
    }

    private static String randomArray(Random random, int depth) {
        StringBuilder json = new StringBuilder("[");
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(randomValue(random, depth));
        }
        return json.append(']').toString();
    }

    private static String randomValue(Random random, int depth) {
        switch (random.nextInt(depth < 2 ? 12 : 9)) {
            case 0: return Integer.toString(random.nextInt(100));
            case 1: return Long.toString(5_000_000_000L + random.nextInt(100));
            case 2: return "123456789012345678901234" + random.nextInt(10);
            case 3: return random.nextInt(100) + ".5";
            case 4: return "\"s" + random.nextInt(10) + "\"";
            case 5: return random.nextBoolean() ? "true" : "false";
            case 6: return "null";
            case 7: return "[]";
            case 8: return "[1,2]";
            case 9: return randomArray(random, depth + 1);
            default: return randomObject(random, depth + 1);
        }
    }
}
