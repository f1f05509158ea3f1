package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.Ports;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Mistakes an operator can make in the shipped configs, each sent to
 * {@code PUT /connector-plugins/{class}/config/validate}: the answer is HTTP 200 with an error on the option that
 * is wrong, never an HTTP 500, and never a secret. Router options are checked as part of the Debezium source
 * connector's validation (the worker validates each transformation's options without configuring it).
 */
class BadConfigurationIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;
    private static ConnectStack stack;

    @BeforeAll
    static void start() throws Exception {
        mongo = new MongoTestServer();
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase("shop_cfg");
        stack = new ConnectStack(1, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, mariadb, mongo);
    }

    private static Map<String, String> source(String key, String value) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(key, value);
        return PipelineConfigs.sourceConfig(stack, mariadb, "shop_cfg", "cfg", overrides);
    }

    private static Map<String, String> sink(String key, String value) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(key, value);
        return PipelineConfigs.sinkConfig(stack, "events_cfg", "outbox\\.event\\..*", overrides);
    }

    static Stream<Arguments> mistakes() {
        int closedPort = Ports.free();
        return Stream.of(
                Arguments.of(
                        "unknown placement",
                        "source",
                        "transforms.outbox.table.fields.additional.placement",
                        "type:foo",
                        "unknown placement 'foo'"),
                Arguments.of(
                        "placement without placement",
                        "source",
                        "transforms.outbox.table.fields.additional.placement",
                        "type",
                        "each entry must be column:placement"),
                Arguments.of(
                        "bad route regex",
                        "source",
                        "transforms.outbox.route.topic.regex",
                        "(?<routedByValue>.*",
                        "is not a valid regular expression"),
                Arguments.of(
                        "unknown op behaviour",
                        "source",
                        "transforms.outbox.table.op.invalid.behavior",
                        "explode",
                        "must be one of [warn, error, fatal]"),
                Arguments.of(
                        "boolean that is not",
                        "source",
                        "transforms.outbox.table.expand.json.payload",
                        "maybe",
                        "Expected value to be either true or false"),
                Arguments.of(
                        "unknown JSON null behaviour",
                        "source",
                        "transforms.outbox.table.json.payload.null.behavior",
                        "drop",
                        "must be one of [ignore, optional_bytes]"),
                Arguments.of(
                        "unknown input format",
                        "source",
                        "transforms.outbox.input.format",
                        "csv",
                        "must be one of [auto, envelope, row]"),
                Arguments.of(
                        "blank event id column",
                        "source",
                        "transforms.outbox.table.field.event.id",
                        " ",
                        "String must be non-empty"),
                Arguments.of(
                        "URI that is not MongoDB's",
                        "sink",
                        "connection.uri",
                        "http://mongo:27017",
                        "is not a valid MongoDB connection string"),
                Arguments.of(
                        "unacknowledged writes",
                        "sink",
                        "connection.uri",
                        "mongodb://app:s3cret@127.0.0.1:" + closedPort + "/?w=0",
                        "asks for unacknowledged writes (w=0)"),
                Arguments.of(
                        "missing database", "sink", "database", null, "Missing required configuration \"database\""),
                Arguments.of("illegal database name", "sink", "database", "events.prod", "may not contain any of"),
                Arguments.of(
                        "unknown collection placeholder",
                        "sink",
                        "collection",
                        "events_${tenant}",
                        "unknown placeholder ${tenant}"),
                Arguments.of("unknown event id source", "sink", "event.id.sources", "headers:id", "unknown source"),
                Arguments.of(
                        "unknown write mode",
                        "sink",
                        "write.mode",
                        "upsert",
                        "must be one of [insert, replace, latest]"),
                Arguments.of("unknown payload mode", "sink", "payload.mode", "flat", "must be one of [nested, merged]"),
                Arguments.of("negative retention", "sink", "ttl.seconds", "-1", "Value must be at least 0"),
                Arguments.of(
                        "back-off cap below its start",
                        "sink",
                        "retry.backoff.max.ms",
                        "50",
                        "Must not be less than retry.backoff.initial.ms (200)"),
                Arguments.of("retry timeout below -1", "sink", "retry.timeout.ms", "-7", "Value must be at least -1"));
    }

    @Test
    void anOperatorCanChangeTheSinkConfigWhileMongoDbIsUnreachable() throws Exception {
        Map<String, String> config = sink(
                "connection.uri", "mongodb://app:s3cret@127.0.0.1:" + Ports.free() + "/?serverSelectionTimeoutMS=300");
        config.put("validate.connection.timeout.ms", "500");
        config.put("retry.timeout.ms", "600000");
        config.put("tasks.max", "1");
        config.put("name", "outage-cfg-sink");

        ConnectStack.ValidationAnswer answer = stack.validate(config);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).get("error_count").asInt())
                .as(answer.body())
                .isZero();

        stack.put("outage-cfg-sink", config);
        stack.awaitRunning("outage-cfg-sink", 1, java.time.Duration.ofSeconds(60));
        config.put("retry.timeout.ms", "-1");
        stack.put("outage-cfg-sink", config);
        stack.awaitRunning("outage-cfg-sink", 1, java.time.Duration.ofSeconds(60));
        // The worker may answer 500 ("a rebalance is expected") while the new config rolls out: ask until it shows.
        Wait.until(
                "the connector's config to show retry.timeout.ms=-1",
                java.time.Duration.ofSeconds(60),
                () -> "-1"
                        .equals(stack.cluster()
                                .connectorInfo("outage-cfg-sink")
                                .config()
                                .get("retry.timeout.ms")));
        stack.cluster().deleteConnector("outage-cfg-sink");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeIsReportedOnItsOptionWithoutAServerError(
            String name, String connector, String key, String value, String message) throws Exception {
        Map<String, String> config = connector.equals("source") ? source(key, value) : sink(key, value);
        if (key.equals("connection.uri")) {
            config.put("validate.connection.timeout.ms", "500");
        }

        ConnectStack.ValidationAnswer answer = stack.validate(config);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("error_count").asInt()).as(answer.body()).isPositive();
        List<String> errors = new ArrayList<>();
        for (JsonNode item : body.get("configs")) {
            if (item.get("value").get("name").asText().equals(key)) {
                item.get("value").get("errors").forEach(error -> errors.add(error.asText()));
            }
        }
        assertThat(errors)
                .as("errors on " + key)
                .anySatisfy(error -> assertThat(error).contains(message));
        assertThat(answer.body()).doesNotContain("s3cret");
    }
}
