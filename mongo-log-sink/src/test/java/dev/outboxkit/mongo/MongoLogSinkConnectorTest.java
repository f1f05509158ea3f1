package dev.outboxkit.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.outboxkit.testkit.mongo.MongoTestServer;

/** What PUT /connector-plugins/{class}/config/validate answers: every mistake on the option it concerns. */
class MongoLogSinkConnectorTest {

    private static final MongoTestServer mongo = MongoTestServer.shared();

    private static Map<String, String> validConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", MongoLogSinkConnector.class.getName());
        config.put("topics", "outbox.event.Order");
        config.put("connection.uri", mongo.uri());
        config.put("database", "events");
        return config;
    }

    private static Map<String, List<String>> errors(Map<String, String> config) {
        return new MongoLogSinkConnector()
                .validate(config).configValues().stream()
                        .filter(value -> !value.errorMessages().isEmpty())
                        .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void validConfigurationHasNoErrors() {
        assertThat(errors(validConfig())).isEmpty();
    }

    @Test
    void logRetentionWithTheReadModelIsReportedOnTtlSeconds() {
        Map<String, String> config = validConfig();
        config.put("write.mode", "latest");
        config.put("ttl.seconds", "60");
        assertThat(errors(config)).containsOnlyKeys("ttl.seconds");
        assertThat(errors(config).get("ttl.seconds"))
                .singleElement()
                .asString()
                .contains("Must be 0 with write.mode=latest")
                .contains("latest.tombstone.ttl.seconds");
        config.put("ttl.seconds", "0");
        config.put("latest.tombstone.ttl.seconds", "60");
        assertThat(errors(config)).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "connection.uri|http://localhost:27017|is not a valid MongoDB connection string",
                "connection.uri|mongodb://user:s3cret@|is not a valid MongoDB connection string",
                "connection.uri|mongodb://user:s3cret@localhost/?w=0|asks for unacknowledged writes (w=0)",
                "database|bad.name|may not contain any of",
                "database|''|must name a database",
                "collection|events_${tenant}|unknown placeholder ${tenant}",
                "collection|system.events|names starting with 'system.' are reserved",
                "event.id.sources|headers:id|unknown source; expected header:NAME, value:PATH, key or topic",
                "event.id.sources|value:a..b|the field path has an empty segment",
                "aggregate.type.topic.regex|(unclosed|is not a valid regular expression: Unclosed group near index",
                "payload.mode|flat|must be one of [nested, merged]",
                "write.mode|upsert|must be one of [insert, replace, latest]",
                "latest.version.sources|topic|a topic name is no version",
                "latest.version.sources|headers:v|unknown source",
                "latest.id|${aggregateType}|must contain ${aggregateId}",
                "latest.id|${tenant}:${aggregateId}|unknown placeholder ${tenant}",
                "latest.tombstone.ttl.seconds|-1|Value must be at least 0",
                "ttl.seconds|-5|Value must be at least 0",
                "retry.timeout.ms|-2|Value must be at least -1",
                "retry.backoff.initial.ms|0|Value must be at least 1",
                "retry.backoff.max.ms|100|Must not be less than retry.backoff.initial.ms (200)",
                "indexes.create|maybe|Expected value to be either true or false",
            })
    void eachMistakeIsReportedOnItsOption(String option, String value, String message) {
        Map<String, String> config = validConfig();
        config.put(option, value);

        Map<String, List<String>> errors = errors(config);

        assertThat(errors).containsOnlyKeys(option);
        assertThat(errors.get(option))
                .singleElement()
                .asString()
                .contains(message)
                .doesNotContain("s3cret");
    }

    @Test
    void missingRequiredOptionsAreReportedOnThem() {
        Map<String, String> config = validConfig();
        config.remove("connection.uri");
        config.remove("database");

        Map<String, List<String>> errors = errors(config);

        assertThat(errors).containsOnlyKeys("connection.uri", "database");
        assertThat(errors.get("database"))
                .singleElement()
                .asString()
                .contains("Missing required configuration \"database\"");
    }

    @Test
    void unreachableMongoDoesNotRefuseAConfigSoThatItCanBeChangedDuringAnOutage() throws IOException {
        Map<String, String> config = validConfig();
        config.put("connection.uri", "mongodb://app:s3cret@127.0.0.1:" + freePort() + "/");
        config.put("validate.connection.timeout.ms", "300");
        config.put("retry.timeout.ms", "600000");

        long started = System.nanoTime();
        Map<String, List<String>> errors = errors(config);
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(errors).isEmpty();
        assertThat(tookMs).as("validation must not hang").isLessThan(10_000);
    }

    @Test
    void everyTaskGetsTheConnectorConfigurationAndOffsetsMayBeAltered() {
        MongoLogSinkConnector connector = new MongoLogSinkConnector();
        Map<String, String> config = validConfig();
        connector.start(config);

        List<Map<String, String>> tasks = connector.taskConfigs(3);
        assertThat(tasks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Map<String, String> expected = new java.util.HashMap<>(config);
            expected.put("outboxkit.task.id", Integer.toString(i));
            assertThat(tasks.get(i)).isEqualTo(expected);
        }
        assertThat(connector.taskClass()).isEqualTo(MongoLogSinkTask.class);
        assertThat(connector.alterOffsets(config, Map.of())).isTrue();
    }

    @Test
    void everyOptionHasGroupDisplayNameAndDocumentation() {
        SinkConfig.CONFIG_DEF.configKeys().values().forEach(key -> {
            assertThat(key.group).as(key.name).isNotBlank();
            assertThat(key.displayName).as(key.name).isNotBlank();
            assertThat(key.documentation).as(key.name).isNotBlank();
        });
        assertThat(SinkConfig.CONFIG_DEF.configKeys().get("connection.uri").type)
                .isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD);
    }
}
