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
        JsonPayloadExpander expander =
                new JsonPayloadExpander("payload", JsonNullBehavior.IGNORE, JsonEmptyArrayBehavior.IGNORE);

        SchemaAndValue expanded = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(30), () -> expander.expand(json.toString()));

        org.apache.kafka.connect.data.Struct struct = (org.apache.kafka.connect.data.Struct) expanded.value();
        assertThat(struct.schema().fields()).hasSize(200_000);
        assertThat(struct.schema().fields().get(7).name()).isEqualTo("k7");
        assertThat(struct.get("k7")).isEqualTo("last");
        assertThat(struct.get("k199999")).isEqualTo(199_999);
    }

    /**
     * The fast path (parsing straight into the schema last seen for a hint) must give exactly what the general
     * path gives, for documents that fit and documents that almost fit, under every name adjustment.
     */
    @ParameterizedTest(name = "nulls={0}, empty arrays={1}, names={2}")
    @CsvSource({
        "IGNORE,IGNORE,NONE",
        "OPTIONAL_BYTES,OPTIONAL_STRING,NONE",
        "IGNORE,OPTIONAL_STRING,NONE",
        "OPTIONAL_BYTES,IGNORE,NONE",
        "IGNORE,IGNORE,AVRO",
        "OPTIONAL_BYTES,OPTIONAL_STRING,AVRO_UNICODE"
    })
    void hintedFastPathAlwaysAgreesWithTheGeneralPath(
            JsonNullBehavior nulls, JsonEmptyArrayBehavior emptyArrays, FieldNameAdjustment adjustment)
            throws Exception {
        JsonPayloadExpander hinted = new JsonPayloadExpander("payload", adjustment, nulls, emptyArrays);
        JsonPayloadExpander general = new JsonPayloadExpander("payload", adjustment, nulls, emptyArrays);
        RandomJson documents = new RandomJson(
                42, adjustment == FieldNameAdjustment.NONE ? RandomJson.PLAIN_NAMES : RandomJson.HOSTILE_NAMES);
        Random hints = new Random(7);
        int expanded = 0;
        for (int i = 0; i < 20_000; i++) {
            String json = documents.document();
            SchemaAndValue expected;
            try {
                expected = general.expand(json);
            } catch (JsonPayloadExpander.NotExpandableException e) {
                continue;
            }
            SchemaAndValue actual = hinted.expand(json, "hint" + hints.nextInt(3));
            assertThat(actual.schema()).as(json).isEqualTo(expected.schema());
            assertThat(actual.value()).as(json).isEqualTo(expected.value());
            expanded++;
        }
        assertThat(expanded).isGreaterThan(15_000);
    }
}
