package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.MariaDbServer;
import dev.outboxkit.it.support.OutboxWorkload;
import dev.outboxkit.it.support.OutboxWorkload.Event;
import dev.outboxkit.mongo.testing.MongoTestServer;
import dev.outboxkit.mongo.testing.TcpProxy;

/**
 * MariaDB with the binlog → Debezium MariaDB connector with OutboxEventRouter → Kafka → MongoLogSinkConnector →
 * MongoDB, all registered from connect-configs/ through the REST API, the plugins loaded from the shipped archives.
 */
class MariaDbPipelineIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static MongoTestServer mongo;
    private static TcpProxy mongoProxy;
    private static MariaDbServer mariadb;
    private static ConnectStack stack;
    private static int serverIds = 5400;

    @BeforeAll
    static void startPipeline() throws Exception {
        mongo = new MongoTestServer();
        mongoProxy = new TcpProxy(mongo.host(), mongo.port());
        mariadb = new MariaDbServer(1);
        stack = new ConnectStack(1, Map.of(
                "mariadb.password", mariadb.password(),
                "mongodb.uri", "mongodb://127.0.0.1:" + mongoProxy.port() + "/?serverSelectionTimeoutMS=2000&connectTimeoutMS=1000"));
    }

    @AfterAll
    static void stopPipeline() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
        if (mongoProxy != null) {
            mongoProxy.close();
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    /** A database of its own with the orders and outbox tables, for one test. */
    private static void createShop(String database, String... outboxTables) throws Exception {
        mariadb.createDatabase(database);
        List<String> ddl = new ArrayList<>();
        ddl.add(OutboxWorkload.ORDERS_TABLE);
        for (String table : outboxTables) {
            ddl.add(OutboxWorkload.mariaDbSchema(table));
        }
        mariadb.execute(database, ddl.toArray(new String[0]));
    }

    /** The shipped MariaDB source config, pointed at this test's database and topic prefix. */
    static Map<String, String> sourceConfig(ConnectStack stack, MariaDbServer db, String database, String prefix,
                                            Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database.hostname", db.host());
        overrides.put("database.port", Integer.toString(db.port()));
        overrides.put("database.user", db.user());
        overrides.put("database.server.id", Integer.toString(++serverIds));
        overrides.put("topic.prefix", prefix);
        overrides.put("database.include.list", database);
        overrides.put("table.include.list", database + "\\.outbox.*");
        overrides.put("schema.history.internal.kafka.bootstrap.servers", stack.bootstrapServers());
        overrides.put("schema.history.internal.kafka.topic", "schema-history." + prefix);
        overrides.putAll(extra);
        return stack.shippedConfig("mariadb-outbox-source.json", overrides);
    }

    static Map<String, String> sinkConfig(ConnectStack stack, String database, String topicsRegex, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database", database);
        overrides.put("topics.regex", topicsRegex);
        overrides.put("errors.deadletterqueue.topic.name", "dlq." + database);
        overrides.putAll(extra);
        return stack.shippedConfig("mongo-log-sink.json", overrides);
    }

    static void assertStoredExactly(Map<Object, Document> stored, List<Event> committed) {
        assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(committed.stream().map(Event::id).toList());
        for (Event event : committed) {
            Document doc = stored.get(event.id());
            assertThat(doc.get("aggregateType")).as(event.id()).isEqualTo(event.aggregateType());
            assertThat(doc.get("aggregateId")).as(event.id()).isEqualTo(event.aggregateId());
            assertThat(doc.get("eventType")).as(event.id()).isEqualTo(event.type());
            assertThat(doc.get("payload", Document.class)).as(event.id()).isEqualTo(Document.parse(event.payload()));
            assertThat(doc.get("kafka", Document.class).getString("topic")).isEqualTo("outbox.event." + event.aggregateType());
        }
    }

    /** For every aggregate, the event ids in Kafka (per partition, by offset) are in commit order. */
    static void assertKafkaOrderPerAggregateIsCommitOrder(List<EventLog.KafkaEvent> events, List<Event> committed) {
        Map<String, List<String>> expected = committed.stream().collect(Collectors.groupingBy(
                e -> e.aggregateType() + "/" + e.aggregateId(), LinkedHashMap::new, Collectors.mapping(Event::id, Collectors.toList())));
        Map<String, List<String>> actual = events.stream()
                .sorted(Comparator.comparing(EventLog.KafkaEvent::topic).thenComparing(EventLog.KafkaEvent::partition)
                        .thenComparingLong(EventLog.KafkaEvent::offset))
                .collect(Collectors.groupingBy(e -> e.topic().substring("outbox.event.".length()) + "/" + e.key(),
                        LinkedHashMap::new, Collectors.mapping(EventLog.KafkaEvent::id, Collectors.toList())));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void everyCommittedEventArrivesInMongoDbExactlyOnceInCommitOrderPerAggregate() throws Exception {
        createShop("shop_e2e", "outbox");
        List<Event> committed = new ArrayList<>(OutboxWorkload.write(mariadb, "shop_e2e", "outbox", "e2e", 0, 30));

        stack.put("e2e-source", sourceConfig(stack, mariadb, "shop_e2e", "e2e", Map.of()));
        stack.awaitRunning("e2e-source", 1, TIMEOUT);
        stack.put("e2e-sink", sinkConfig(stack, "events_e2e", "outbox\\.event\\..*", Map.of()));
        stack.awaitRunning("e2e-sink", 2, TIMEOUT);
        committed.addAll(OutboxWorkload.write(mariadb, "shop_e2e", "outbox", "e2e", 30, 120));

        EventLog.awaitDocuments(mongo.client(), "events_e2e", committed.size(), TIMEOUT);
        assertStoredExactly(EventLog.documents(mongo.client(), "events_e2e"), committed);
        List<EventLog.KafkaEvent> kafka = EventLog.kafkaEvents(stack, "outbox.event.Order", "outbox.event.Customer",
                "outbox.event.Payment");
        assertThat(kafka).hasSize(committed.size());
        assertKafkaOrderPerAggregateIsCommitOrder(kafka, committed);
        assertThat(kafka).allSatisfy(e -> {
            assertThat(e.headers()).containsEntry("outbox.source.table", "shop_e2e.outbox");
            assertThat(e.headers().get("outbox.source.position")).startsWith("binlog mysql-bin.");
        });
    }
}
