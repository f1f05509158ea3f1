package dev.outboxkit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ValidatorsTest {

    enum Mode {
        INSERT,
        REPLACE
    }

    @Test
    void oneOfTakesAnyCaseAndListsTheWordsInOrder() {
        var validator = Validators.oneOf(List.of("nested", "merged"));
        assertThatCode(() -> validator.ensureValid("payload.mode", " Merged ")).doesNotThrowAnyException();
        assertThat(validator).hasToString("one of [nested, merged]");
        assertThatThrownBy(() -> validator.ensureValid("payload.mode", "flat"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value flat for configuration payload.mode: must be one of [nested, merged]");
        assertThat(Validators.caseInsensitiveEnum(Mode.class)).hasToString("one of [insert, replace]");
    }

    @Test
    void aBadRegexSaysWhatIsWrongAndWhere() {
        assertThatCode(() -> Validators.regex().ensureValid("topics.regex", "outbox\\.event\\..*"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Validators.regex().ensureValid("topics.regex", "(?<x>.*"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topics.regex")
                .hasMessageContaining("is not a valid regular expression: Unclosed group near index 7");
        assertThatThrownBy(() -> Validators.regex().ensureValid("topics.regex", null))
                .hasMessageContaining("must be a regular expression");
        assertThat(Validators.regex()).hasToString("valid regex");
    }
}
