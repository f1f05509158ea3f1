package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventAssertions;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.PoisonRecords;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.SinkMetricsReader;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.net.TcpProxy;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

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

    @BeforeAll
    static void startPipeline() throws Exception {
        mongo = new MongoTestServer();
        mongoProxy = new TcpProxy(mongo.host(), mongo.port());
        mariadb = new MariaDbServer(1);
        stack = new ConnectStack(
                1,
                Map.of(
                        "mariadb.password",
                        mariadb.password(),
                        "mongodb.uri",
                        "mongodb://127.0.0.1:" + mongoProxy.port()
                                + "/?directConnection=true&serverSelectionTimeoutMS=2000&connectTimeoutMS=1000"));
    }

    @AfterAll
    static void stopPipeline() throws Exception {
        Resources.closeAll(stack, mariadb, mongoProxy, mongo);
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

    /** Source and sink of one test, on topics of their own ("<ns>.event.<AggregateType>"). */
    private static void startPipeline(String ns, int partitions) throws Exception {
        stack.put(
                ns + "-source",
                PipelineConfigs.sourceConfig(
                        stack,
                        mariadb,
                        "shop_" + ns,
                        ns,
                        Map.of(
                                "transforms.outbox.route.topic.replacement",
                                ns + ".event.${routedByValue}",
                                "topic.creation.default.partitions",
                                Integer.toString(partitions))));
        stack.awaitRunning(ns + "-source", 1, TIMEOUT);
        stack.put(ns + "-sink", PipelineConfigs.sinkConfig(stack, "events_" + ns, ns + "\\.event\\..*", Map.of()));
        stack.awaitRunning(ns + "-sink", 2, TIMEOUT);
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(Event::id).toList();
    }

    @Test
    void everyCommittedEventArrivesInMongoDbExactlyOnceInCommitOrderPerAggregate() throws Exception {
        createShop("shop_e2e", "outbox");
        List<Event> committed = new ArrayList<>(OutboxWorkload.write(mariadb, "shop_e2e", "outbox", "e2e", 0, 30));

        stack.put("e2e-source", PipelineConfigs.sourceConfig(stack, mariadb, "shop_e2e", "e2e", Map.of()));
        stack.awaitRunning("e2e-source", 1, TIMEOUT);
        stack.put("e2e-sink", PipelineConfigs.sinkConfig(stack, "events_e2e", "outbox\\.event\\..*", Map.of()));
        stack.awaitRunning("e2e-sink", 2, TIMEOUT);
        committed.addAll(OutboxWorkload.write(mariadb, "shop_e2e", "outbox", "e2e", 30, 120));

        EventLog.awaitDocuments(mongo.client(), "events_e2e", committed.size(), TIMEOUT);
        Map<Object, Document> stored = EventLog.documents(mongo.client(), "events_e2e");
        EventAssertions.assertStoredExactly(stored, committed);
        EventAssertions.assertMongoOrderPerAggregateIsCommitOrder(stored, committed);
        List<EventLog.KafkaEvent> kafka =
                EventLog.kafkaEvents(stack, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
        assertThat(kafka).hasSize(committed.size());
        EventAssertions.assertKafkaOrderPerAggregateIsCommitOrder(kafka, committed);
        // On a 4.x worker the sink's counters are also plugin metrics (KIP-877), next to the worker's task metrics.
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        long writtenByPluginMetrics = 0;
        for (javax.management.ObjectName name : jmx.queryNames(
                new javax.management.ObjectName("kafka.connect:type=plugins,connector=e2e-sink,*"), null)) {
            writtenByPluginMetrics += ((Number) jmx.getAttribute(name, "records-written-total")).longValue();
        }
        assertThat(writtenByPluginMetrics).isEqualTo(committed.size());
        assertThat(SinkMetricsReader.sum("e2e-sink", "RecordsWritten")).isEqualTo(committed.size());
        assertThat(kafka).allSatisfy(e -> {
            assertThat(e.headers()).containsEntry("outbox.source.table", "shop_e2e.outbox");
            assertThat(e.headers().get("outbox.source.position")).startsWith("binlog mysql-bin.");
        });
        stack.awaitOffsetsAtEnd(
                "e2e-sink", TIMEOUT, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
    }

    @Test
    void eventIdsReachMongoDbExactlyAsTheOutboxRowHadThemThroughTheShippedConfigs() throws Exception {
        mariadb.createDatabase("shop_ids");
        mariadb.execute(
                "shop_ids",
                OutboxWorkload.mariaDbSchema("outbox"),
                "CREATE TABLE outbox_bigint (id BIGINT PRIMARY KEY,"
                        + " aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL,"
                        + " payload LONGTEXT)");
        List<String> textIds = List.of("007", "7", "2024-01-01", "1.0", "true");
        for (String id : textIds) {
            mariadb.execute(
                    "shop_ids", "INSERT INTO outbox VALUES ('" + id + "', 'Order', 'order-1', 'OrderCreated', '{}')");
        }
        mariadb.execute(
                "shop_ids",
                "INSERT INTO outbox_bigint VALUES (7, 'Invoice', 'invoice-1', 'InvoiceIssued', '{}')",
                "INSERT INTO outbox_bigint VALUES (9223372036854775807, 'Invoice', 'invoice-1', 'InvoiceIssued', '{}')");

        stack.put(
                "ids-source",
                PipelineConfigs.sourceConfig(
                        stack,
                        mariadb,
                        "shop_ids",
                        "ids",
                        Map.of("transforms.outbox.route.topic.replacement", "ids.event.${routedByValue}")));
        stack.awaitRunning("ids-source", 1, TIMEOUT);
        stack.put("ids-sink", PipelineConfigs.sinkConfig(stack, "events_ids", "ids\\.event\\..*", Map.of()));
        stack.awaitRunning("ids-sink", 2, TIMEOUT);

        EventLog.awaitDocuments(mongo.client(), "events_ids", 7, TIMEOUT);
        List<Object> orderIds = new ArrayList<>();
        mongo.client()
                .getDatabase("events_ids")
                .getCollection("ids.event.Order")
                .find()
                .forEach(d -> orderIds.add(d.get("_id")));
        List<Object> invoiceIds = new ArrayList<>();
        mongo.client()
                .getDatabase("events_ids")
                .getCollection("ids.event.Invoice")
                .find()
                .forEach(d -> invoiceIds.add(d.get("_id")));
        assertThat(orderIds).containsExactlyInAnyOrderElementsOf(textIds);
        assertThat(invoiceIds).containsExactlyInAnyOrder("7", "9223372036854775807");
        assertThat(EventLog.documents(mongo.client(), "events_ids").values())
                .extracting(d -> d.get("aggregateType"))
                .containsOnly("Order", "Invoice");
        stack.awaitOffsetsAtEnd("ids-sink", TIMEOUT, "ids.event.Order", "ids.event.Invoice");
        assertThat(SinkMetricsReader.sum("ids-sink", "DuplicatesSkipped")).isZero();
    }

    /**
     * A service that keeps its outbox table empty, as Debezium's outbox examples do: each transaction inserts its
     * outbox row and deletes it again before it commits. The binlog holds both; the event arrives once, and the delete
     * adds nothing to any topic.
     */
    @Test
    void anOutboxRowDeletedInItsOwnTransactionArrivesOnceAndTheDeleteAddsNothing() throws Exception {
        createShop("shop_deleting", "outbox");
        startPipeline("deleting", 1);
        List<Event> committed =
                new ArrayList<>(OutboxWorkload.writeAndDelete(mariadb, "shop_deleting", "outbox", "deleting", 0, 40));
        committed.addAll(OutboxWorkload.write(mariadb, "shop_deleting", "outbox", "deleting", 40, 1));

        EventAssertions.assertDeletesAddedNothing(
                stack,
                mongo.client(),
                mariadb,
                "shop_deleting",
                "deleting",
                "deleting.shop_deleting.outbox",
                committed,
                TIMEOUT);
    }

    @Test
    void mongoOutageMidStreamIsRetriedAndEndsWithEveryEventExactlyOnce() throws Exception {
        createShop("shop_outage", "outbox");
        startPipeline("outage", 1);
        List<Event> committed =
                new ArrayList<>(OutboxWorkload.write(mariadb, "shop_outage", "outbox", "outage", 0, 40));
        EventLog.awaitDocuments(mongo.client(), "events_outage", 40, TIMEOUT);

        mongoProxy.cut();
        try {
            committed.addAll(OutboxWorkload.write(mariadb, "shop_outage", "outbox", "outage", 40, 80));
            Wait.until(
                    "the sink retried at least 3 times while MongoDB is cut off",
                    TIMEOUT,
                    () -> SinkMetricsReader.sum("outage-sink", "Retries") >= 3,
                    () -> "retries " + SinkMetricsReader.sum("outage-sink", "Retries"));
            assertThat(EventLog.kafkaEvents(
                            stack, "outage.event.Order", "outage.event.Customer", "outage.event.Payment"))
                    .as("the source keeps producing during the outage")
                    .hasSize(120);
            assertThat(stack.status("outage-sink").tasks())
                    .extracting(t -> t.state())
                    .containsOnly("RUNNING");
        } finally {
            mongoProxy.heal();
        }

        EventLog.awaitDocuments(mongo.client(), "events_outage", 120, TIMEOUT);
        Map<Object, Document> stored = EventLog.documents(mongo.client(), "events_outage");
        EventAssertions.assertStoredExactly(stored, committed, "outage");
        assertThat(EventLog.count(mongo.client(), "events_outage")).isEqualTo(120);
        stack.awaitOffsetsAtEnd(
                "outage-sink", TIMEOUT, "outage.event.Order", "outage.event.Customer", "outage.event.Payment");
        assertThat(stack.status("outage-sink").tasks())
                .extracting(t -> t.state())
                .containsOnly("RUNNING");
    }

    @Test
    void replayAfterAnOffsetResetChangesNoDocumentAndCountsDuplicates() throws Exception {
        createShop("shop_replay", "outbox");
        startPipeline("replay", 1);
        List<Event> committed = OutboxWorkload.write(mariadb, "shop_replay", "outbox", "replay", 0, 45);
        EventLog.awaitDocuments(mongo.client(), "events_replay", 45, TIMEOUT);
        Map<Object, Document> before = EventLog.documents(mongo.client(), "events_replay");
        Wait.until(
                "the sink committed its offsets",
                TIMEOUT,
                () -> stack.cluster().connectorOffsets("replay-sink").offsets().size() == 3);

        stack.cluster().stopConnector("replay-sink");
        Wait.until(
                "replay-sink is STOPPED",
                TIMEOUT,
                () -> "STOPPED".equals(stack.status("replay-sink").connector().state()));
        stack.cluster().resetConnectorOffsets("replay-sink");
        stack.cluster().resumeConnector("replay-sink");
        stack.awaitRunning("replay-sink", 2, TIMEOUT);

        Wait.until(
                "the replayed 45 events are counted as duplicates",
                TIMEOUT,
                () -> SinkMetricsReader.sum("replay-sink", "DuplicatesSkipped") == 45,
                () -> "duplicates " + SinkMetricsReader.sum("replay-sink", "DuplicatesSkipped"));
        assertThat(SinkMetricsReader.sum("replay-sink", "RecordsWritten")).isZero();
        assertThat(EventLog.documents(mongo.client(), "events_replay")).isEqualTo(before);
        EventAssertions.assertStoredExactly(before, committed, "replay");
    }

    @Test
    void poisonEventsGoToTheDeadLetterQueueWithErrorContextWhileTheRestIsStored() throws Exception {
        String topic = "poison.event.Order";
        stack.kafka().createTopic(topic, 1, 1, Map.of("max.message.bytes", "20971520"));
        // Dead-lettering a 17 MB record needs a dead letter queue producer that may send it.
        stack.put(
                "poison-sink",
                PipelineConfigs.sinkConfig(
                        stack,
                        "events_poison",
                        "poison\\.event\\..*",
                        Map.of(
                                "errors.deadletterqueue.topic.name", "poison.dlq",
                                "producer.override.max.request.size", "20971520")));
        stack.awaitRunning("poison-sink", 2, TIMEOUT);

        try (var producer = stack.kafka().createProducer(Map.of("max.request.size", 20971520))) {
            producer.send(PoisonRecords.event(topic, "good-1", "{\"ok\": 1}")).get();
            producer.send(PoisonRecords.event(topic, "bad-json", "{\"broken\": "))
                    .get();
            producer.send(PoisonRecords.event(topic, null, "{\"no\": \"id\"}")).get();
            producer.send(PoisonRecords.event(topic, "too-big", PoisonRecords.hugeJson(17 * 1024 * 1024)))
                    .get();
            producer.send(PoisonRecords.event(topic, "good-2", "{\"ok\": 2}")).get();
        }

        EventLog.awaitDocuments(mongo.client(), "events_poison", 2, TIMEOUT);
        Wait.until(
                "3 records in the dead letter queue",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, "poison.dlq").size() == 3);
        assertThat(EventLog.documents(mongo.client(), "events_poison").keySet())
                .containsExactlyInAnyOrder("good-1", "good-2");
        List<EventLog.KafkaEvent> dead = EventLog.kafkaEvents(stack, "poison.dlq");
        assertThat(dead)
                .extracting(e -> e.headers().get("__connect.errors.offset"))
                .containsExactly("1", "2", "3");
        assertThat(dead).allSatisfy(e -> {
            assertThat(e.headers())
                    .containsEntry("__connect.errors.topic", topic)
                    .containsEntry("__connect.errors.partition", "0");
            assertThat(e.headers().get("__connect.errors.exception.message")).contains("cannot be stored");
        });
        assertThat(dead.get(0).headers().get("__connect.errors.exception.message"))
                .contains("poison.event.Order-0@1 cannot be stored: the payload looks like JSON but does not parse");
        assertThat(dead.get(1).headers().get("__connect.errors.exception.message"))
                .contains("has no event id");
        assertThat(dead.get(2).headers().get("__connect.errors.exception.message"))
                .contains("over MongoDB's limit");
        assertThat(stack.status("poison-sink").tasks())
                .extracting(t -> t.state())
                .containsOnly("RUNNING");
    }

    @Test
    void withoutADeadLetterQueueAPoisonEventFailsTheSinkTaskNamingItsPlace() throws Exception {
        String topic = "strict.event.Order";
        stack.kafka().createTopic(topic, 1);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("errors.tolerance", "none");
        extra.put("errors.deadletterqueue.topic.name", null);
        extra.put("tasks.max", "1");
        stack.put("strict-sink", PipelineConfigs.sinkConfig(stack, "events_strict", "strict\\.event\\..*", extra));
        stack.awaitRunning("strict-sink", 1, TIMEOUT);
        try (var producer = stack.kafka().createProducer(Map.of())) {
            producer.send(PoisonRecords.event(topic, "fine", "{\"ok\": 1}")).get();
            producer.send(PoisonRecords.event(topic, null, "{\"card\": \"4111-1111\"}"))
                    .get();
        }

        String trace = stack.awaitTaskFailed("strict-sink", TIMEOUT);

        assertThat(trace)
                .contains("strict.event.Order-0@1 cannot be stored: the record has no event id")
                .doesNotContain("4111");
        assertThat(EventLog.documents(mongo.client(), "events_strict").keySet()).containsExactly("fine");
    }

    @Test
    void anUnroutableOutboxRowFailsTheSourceTaskOrIsSkippedAsErrorsToleranceSays() throws Exception {
        mariadb.createDatabase("shop_badrow");
        mariadb.execute(
                "shop_badrow",
                OutboxWorkload.ORDERS_TABLE,
                "CREATE TABLE outbox (id VARCHAR(64) PRIMARY KEY,"
                        + " aggregatetype VARCHAR(255) NULL, aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT)");
        List<Event> good = new ArrayList<>(OutboxWorkload.write(mariadb, "shop_badrow", "outbox", "badrow", 0, 5));
        mariadb.execute(
                "shop_badrow",
                "INSERT INTO outbox VALUES ('badrow-null', NULL, 'order-1', 'OrderCreated', '{\"secret\": \"4111\"}')");
        good.addAll(OutboxWorkload.write(mariadb, "shop_badrow", "outbox", "badrow", 5, 5));

        stack.put(
                "badrow-strict",
                PipelineConfigs.sourceConfig(
                        stack,
                        mariadb,
                        "shop_badrow",
                        "badrowstrict",
                        Map.of("transforms.outbox.route.topic.replacement", "badrowstrict.event.${routedByValue}")));
        String trace = stack.awaitTaskFailed("badrow-strict", TIMEOUT);
        assertThat(trace)
                .contains(
                        "Column 'aggregatetype' is null (option route.by.field): table shop_badrow.outbox at binlog mysql-bin.")
                .doesNotContain("4111");

        stack.put(
                "badrow-lenient",
                PipelineConfigs.sourceConfig(
                        stack,
                        mariadb,
                        "shop_badrow",
                        "badrowlenient",
                        Map.of(
                                "transforms.outbox.route.topic.replacement", "badrowlenient.event.${routedByValue}",
                                "errors.tolerance", "all")));
        stack.awaitRunning("badrow-lenient", 1, TIMEOUT);
        String[] topics = {"badrowlenient.event.Order", "badrowlenient.event.Customer", "badrowlenient.event.Payment"};
        Wait.until(
                "the 10 routable events on the topics",
                TIMEOUT,
                () -> EventLog.kafkaEvents(stack, topics).size() == 10);
        assertThat(EventLog.kafkaEvents(stack, topics))
                .extracting(EventLog.KafkaEvent::id)
                .containsExactlyInAnyOrderElementsOf(ids(good));
        assertThat(stack.status("badrow-lenient").tasks())
                .extracting(t -> t.state())
                .containsOnly("RUNNING");
    }
}
