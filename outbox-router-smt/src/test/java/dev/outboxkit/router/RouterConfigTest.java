package dev.outboxkit.router;

import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the worker's validate endpoint reports: the ConfigDef alone, without configure(). */
class RouterConfigTest {

    private static Map<String, List<String>> errors(String... keyValues) {
        return RouterConfig.CONFIG_DEF.validate(config(keyValues)).stream()
                .filter(value -> !value.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void defaultsMatchDebeziumsEventRouter() {
        RouterConfig config = new RouterConfig(Map.of());

        assertThat(config.eventIdColumn()).isEqualTo("id");
        assertThat(config.eventKeyColumn()).isEqualTo("aggregateid");
        assertThat(config.payloadColumn()).isEqualTo("payload");
        assertThat(config.timestampColumn()).isNull();
        assertThat(config.schemaVersionColumn()).isNull();
        assertThat(config.routeByColumn()).isEqualTo("aggregatetype");
        assertThat(config.topicRegex().pattern()).isEqualTo("(?<routedByValue>.*)");
        assertThat(config.topicReplacement()).isEqualTo("outbox.event.${routedByValue}");
        assertThat(config.tombstoneOnEmptyPayload()).isFalse();
        assertThat(config.expandJsonPayload()).isFalse();
        assertThat(config.invalidOpBehavior()).isEqualTo(RouterConfig.InvalidOpBehavior.WARN);
        assertThat(config.missingFieldBehavior()).isEqualTo(RouterConfig.MissingFieldBehavior.ERROR);
        assertThat(config.jsonNullBehavior()).isEqualTo(RouterConfig.JsonNullBehavior.IGNORE);
        assertThat(config.jsonEmptyArrayBehavior()).isEqualTo(RouterConfig.JsonEmptyArrayBehavior.IGNORE);
        assertThat(config.inputFormat()).isEqualTo(RouterConfig.InputFormat.AUTO);
        assertThat(config.provenanceHeaders()).isFalse();
        assertThat(config.additionalFields()).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "table.fields.additional.placement|type:foo|unknown placement 'foo'; expected one of header, envelope, partition",
                "table.fields.additional.placement|type|each entry must be column:placement or column:placement:alias",
                "table.fields.additional.placement|type:header:a:b|each entry must be column:placement or column:placement:alias",
                "table.fields.additional.placement|:header|the column name is empty",
                "route.topic.regex|(?<routedByValue>.*|is not a valid regular expression",
                "table.op.invalid.behavior|explode|must be one of [warn, error, fatal]",
                "table.field.additional.missing|maybe|must be one of [error, ignore]",
                "table.json.payload.null.behavior|drop|must be one of [ignore, optional_bytes]",
                "table.json.payload.empty.array.behavior|drop|must be one of [ignore, optional_string]",
                "input.format|csv|must be one of [auto, envelope, row]",
                "table.expand.json.payload|yes|Expected value to be either true or false",
                "route.tombstone.on.empty.payload|1|Expected value to be either true or false",
                "table.field.event.id|' '|String must be non-empty",
                "table.field.event.timestamp|' '|must be a column name or left unset",
            })
    void badOptionIsReportedOnThatOptionByItsValidator(String option, String value, String message) {
        Map<String, List<String>> errors = errors(option, value);

        assertThat(errors).containsOnlyKeys(option);
        assertThat(errors.get(option)).singleElement().asString().contains(message);
    }

    @Test
    void validOptionsReportNoErrors() {
        assertThat(errors(
                        "table.fields.additional.placement",
                        "type:header:eventType, tenant:envelope ,part:PARTITION",
                        "table.op.invalid.behavior",
                        "FATAL",
                        "route.topic.regex",
                        "(?<routedByValue>[A-Z].*)"))
                .isEmpty();
    }

    @Test
    void replacementNamingAGroupTheRegexLacksIsRejectedAtConfigure() {
        assertThatThrownBy(() -> new OutboxEventRouter<SourceRecord>()
                        .configure(config(
                                "route.topic.regex",
                                "(?<type>.*)",
                                "route.topic.replacement",
                                "outbox.event.${routedByValue}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("route.topic.replacement")
                .hasMessageContaining("refers to group 'routedByValue', which 'route.topic.regex' does not define");
    }

    @Test
    void aNumberedGroupTheRegexLacksIsRejectedAtConfigureToo() {
        assertThatThrownBy(() -> new OutboxEventRouter<SourceRecord>()
                        .configure(config("route.topic.regex", "(.*)", "route.topic.replacement", "outbox.$1.$2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("route.topic.replacement")
                .hasMessageContaining("refers to group $2, but 'route.topic.regex' has 1 group");
        new OutboxEventRouter<SourceRecord>()
                .configure(config("route.topic.regex", "(.*)", "route.topic.replacement", "outbox.$1"));
        new OutboxEventRouter<SourceRecord>()
                .configure(config("route.topic.regex", "(.*)", "route.topic.replacement", "outbox.\\$2.$1"));
    }

    @Test
    void everyOptionHasGroupDisplayNameAndDocumentation() {
        RouterConfig.CONFIG_DEF.configKeys().values().forEach(key -> {
            assertThat(key.group).as(key.name).isNotBlank();
            assertThat(key.displayName).as(key.name).isNotBlank();
            assertThat(key.documentation).as(key.name).isNotBlank();
        });
    }
}
