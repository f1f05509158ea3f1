package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * A trace started by the service reaches the event log: rows written with a trace context in the outbox's
 * {@code tracingspancontext} column (Debezium's format) go through Debezium and the shipped router config to
 * Kafka, where the router has put it in {@code traceparent}/{@code tracestate} headers, and through the sink with
 * {@code headers.stored} into MongoDB with the same trace id. Rows without a context, or with a malformed one, arrive
 * too, without trace headers.
 */
class TracingIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String DATABASE = "shop_traced";

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;
    private static final Map<String, String> contexts = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        mongo = new MongoTestServer();
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase(DATABASE);
        mariadb.execute(
                DATABASE,
                "CREATE TABLE outbox (id VARCHAR(64) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,"
                        + " aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT,"
                        + " tracingspancontext VARCHAR(512))");
        Random random = new Random(17);
        try (Connection connection = mariadb.connect(DATABASE);
                PreparedStatement insert = connection.prepareStatement("INSERT INTO outbox VALUES (?,?,?,?,?,?)")) {
            for (int i = 0; i < 30; i++) {
                String traceparent = "00-" + hex(random, 16) + "-" + hex(random, 8) + "-01";
                String stored = switch (i % 3) {
                    case 0 -> "traceparent=" + traceparent + "\ntracestate=shop=a" + i;
                    case 1 -> "traceparent=" + traceparent;
                    default -> i % 2 == 0 ? null : "traceparent=not-a-context";
                };
                contexts.put("ev-" + i, i % 3 == 2 ? null : traceparent);
                insert.setString(1, "ev-" + i);
                insert.setString(2, "Order");
                insert.setString(3, "o-" + (i % 4));
                insert.setString(4, "Created");
                insert.setString(5, "{\"n\":" + i + "}");
                insert.setString(6, stored);
                insert.executeUpdate();
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(mariadb, mongo);
    }

    private static String hex(Random random, int bytes) {
        byte[] id = new byte[bytes];
        random.nextBytes(id);
        id[0] |= 1;
        return HexFormat.of().formatHex(id);
    }

    @Test
    void theTraceIdWrittenWithTheRowReachesTheStoredEvent() {
        try (ConnectStack stack = new ConnectStack(1, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()))) {
            stack.put("source", PipelineConfigs.sourceConfig(stack, mariadb, DATABASE, "traced", Map.of()));
            stack.awaitRunning("source", 1, TIMEOUT);
            stack.put(
                    "sink",
                    PipelineConfigs.sinkConfig(
                            stack,
                            "events_traced",
                            "outbox\\.event\\..*",
                            Map.of("headers.stored", "traceparent,tracestate")));
            stack.awaitRunning("sink", 2, TIMEOUT);
            EventLog.awaitDocuments(mongo.client(), "events_traced", contexts.size(), TIMEOUT);

            Map<Object, Document> stored = EventLog.documents(mongo.client(), "events_traced");
            assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(contexts.keySet());
            contexts.forEach((id, traceparent) -> {
                Document document = stored.get(id);
                int n = Integer.parseInt(id.substring(3));
                if (traceparent == null) {
                    assertThat(document.containsKey("headers"))
                            .as(id + ": no usable context, no trace headers")
                            .isFalse();
                } else {
                    Document headers = document.get("headers", Document.class);
                    assertThat(headers).as(id).isNotNull();
                    assertThat(headers.getString("traceparent").split("-")[1])
                            .as(id + ": trace id")
                            .isEqualTo(traceparent.split("-")[1]);
                    assertThat(headers.getString("traceparent"))
                            .as(id + ": the worker has no OpenTelemetry, so the row's own")
                            .isEqualTo(traceparent);
                    assertThat(headers.getString("tracestate")).as(id).isEqualTo(n % 3 == 0 ? "shop=a" + n : null);
                }
                assertThat(document.get("payload", Document.class).getInteger("n"))
                        .as(id)
                        .isEqualTo(n);
            });
            List<EventLog.KafkaEvent> onKafka = EventLog.kafkaEvents(stack, "outbox.event.Order");
            assertThat(onKafka)
                    .extracting(EventLog.KafkaEvent::id)
                    .containsExactlyInAnyOrderElementsOf(contexts.keySet());
            Map<String, String> expectedTraced = new java.util.TreeMap<>();
            contexts.forEach((id, traceparent) -> {
                if (traceparent != null) {
                    expectedTraced.put(id, traceparent);
                }
            });
            assertThat(expectedTraced)
                    .as("rows written with a usable trace context")
                    .isNotEmpty();
            Map<String, String> tracedOnKafka = new java.util.TreeMap<>();
            onKafka.stream()
                    .filter(e -> contexts.get(e.id()) != null)
                    .forEach(e -> tracedOnKafka.put(e.id(), e.headers().get("traceparent")));
            assertThat(tracedOnKafka).as("traceparent on Kafka, by event id").isEqualTo(expectedTraced);
        }
    }
}
