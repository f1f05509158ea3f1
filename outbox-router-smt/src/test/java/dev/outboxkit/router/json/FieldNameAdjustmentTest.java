package dev.outboxkit.router.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.debezium.schema.FieldNameUnderscoreReplacementFunction;
import io.debezium.schema.FieldNameUnicodeReplacementFunction;
import io.debezium.schema.SchemaNameAdjuster;
import io.debezium.spi.common.ReplacementFunction;

class FieldNameAdjustmentTest {

    @ParameterizedTest(name = "{0}: ''{1}'' -> ''{2}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "NONE|first-name|first-name",
                "AVRO|first-name|first_name",
                "AVRO|1st|_1st",
                "AVRO|$id|_id",
                "AVRO|_meta|_meta",
                "AVRO|prénom|pr_nom",
                "AVRO|ship.to|ship_to",
                "AVRO|orderId|orderId",
                "AVRO_UNICODE|first-name|first_u002dname",
                "AVRO_UNICODE|1st|_u0031st",
                "AVRO_UNICODE|_meta|_u005fmeta",
                "AVRO_UNICODE|prénom|pr_u00e9nom",
                "AVRO_UNICODE|αβ|_u3b1_u3b2",
                "AVRO_UNICODE|名|_u540d",
                "AVRO_UNICODE|orderId|orderId"
            })
    void adjustsAsDebeziumDocumentsIt(FieldNameAdjustment mode, String name, String expected) {
        assertThat(mode.adjust(name)).isEqualTo(expected);
    }

    /** Debezium's adjusters, without the JVM-wide conflict memory that makes Debezium's own throw across payloads. */
    private static SchemaNameAdjuster debezium(FieldNameAdjustment mode) {
        ReplacementFunction function = mode == FieldNameAdjustment.AVRO
                ? new FieldNameUnderscoreReplacementFunction()
                : new FieldNameUnicodeReplacementFunction();
        return SchemaNameAdjuster.create(function, (original, replacement, conflict) -> {});
    }

    @ParameterizedTest
    @CsvSource({"AVRO", "AVRO_UNICODE"})
    void everyGeneratedNameGetsDebeziumsNameExceptWhereDebeziumsIsNotValidAvro(FieldNameAdjustment mode) {
        SchemaNameAdjuster debezium = debezium(mode);
        String alphabet = "aZ_09-.$ é名\u0663\uD83D\uDE00\u0000";
        Random random = new Random(11);
        int compared = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = 1 + random.nextInt(6);
            for (int c = 0; c < length; c++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String ours = mode.adjust(name.toString());
            assertThat(isValidAvroName(ours))
                    .as("'%s' -> '%s' is a valid Avro name", name, ours)
                    .isTrue();
            if (Character.isDigit(name.charAt(0)) && name.charAt(0) > 0x7f && mode == FieldNameAdjustment.AVRO) {
                // The documented difference: Debezium keeps a leading non-ASCII digit, which Avro rejects.
                assertThat(isValidAvroName(debezium.adjust(name.toString()))).isFalse();
                continue;
            }
            assertThat(ours).as("'%s'", name).isEqualTo(debezium.adjust(name.toString()));
            compared++;
        }
        assertThat(compared).isGreaterThan(45_000);
    }

    @Test
    void theEmptyKeyBecomesAValidNameWhereDebeziumKeepsItEmpty() {
        assertThat(FieldNameAdjustment.AVRO.adjust("")).isEqualTo("_");
        assertThat(FieldNameAdjustment.AVRO_UNICODE.adjust("")).isEqualTo("_");
        assertThat(debezium(FieldNameAdjustment.AVRO).adjust("")).isEmpty();
    }

    @Test
    void fullNamesAreAdjustedPartByPartAndValidPartsKept() {
        assertThat(FieldNameAdjustment.AVRO.adjustFullName("shop.inventory.outbox.Order-Line.Value"))
                .isEqualTo("shop.inventory.outbox.Order_Line.Value");
        assertThat(FieldNameAdjustment.AVRO_UNICODE.adjustFullName("shop.db.outbox.1st.Value"))
                .isEqualTo("shop.db.outbox._u0031st.Value");
        assertThat(FieldNameAdjustment.AVRO_UNICODE.adjustFullName("__debezium.db.Value"))
                .isEqualTo("__debezium.db.Value");
        assertThat(FieldNameAdjustment.NONE.adjustFullName("a-b.c")).isEqualTo("a-b.c");
    }

    static boolean isValidAvroName(String name) {
        if (name.isEmpty() || !(Character.isLetter(name.charAt(0)) && name.charAt(0) < 0x80 || name.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c < 0x80 && (Character.isLetterOrDigit(c) || c == '_'))) {
                return false;
            }
        }
        return true;
    }
}
