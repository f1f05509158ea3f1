package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventAssertions;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.db.PostgresServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/** PostgreSQL logical decoding (pgoutput) → Debezium PostgreSQL connector with the router → Kafka → sink → MongoDB. */
class PostgresPipelineIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static MongoTestServer mongo;
    private static PostgresServer postgres;
    private static ConnectStack stack;

    @BeforeAll
    static void startPipeline() {
        mongo = new MongoTestServer();
        postgres = new PostgresServer();
        stack = new ConnectStack(1, Map.of("postgres.password", postgres.password(), "mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stopPipeline() throws Exception {
        Resources.closeAll(stack, postgres, mongo);
    }

    @Test
    void everyCommittedEventArrivesInMongoDbExactlyOnceInCommitOrderPerAggregate() throws Exception {
        postgres.execute("postgres", "CREATE DATABASE shop");
        postgres.execute("shop", OutboxWorkload.ORDERS_TABLE, OutboxWorkload.postgresSchema("outbox"));
        List<Event> committed = new ArrayList<>(OutboxWorkload.write(postgres, "shop", "outbox", "pg", 0, 25));

        Map<String, String> source = new LinkedHashMap<>();
        source.put("database.hostname", postgres.host());
        source.put("database.port", Integer.toString(postgres.port()));
        source.put("database.user", postgres.user());
        source.put("slot.drop.on.stop", "true");
        stack.put("pg-source", stack.shippedConfig("postgres-outbox-source.json", source));
        stack.awaitRunning("pg-source", 1, TIMEOUT);
        stack.put("pg-sink", PipelineConfigs.sinkConfig(stack, "events_pg", "outbox\\.event\\..*", Map.of()));
        stack.awaitRunning("pg-sink", 2, TIMEOUT);
        committed.addAll(OutboxWorkload.write(postgres, "shop", "outbox", "pg", 25, 100));

        EventLog.awaitDocuments(mongo.client(), "events_pg", committed.size(), TIMEOUT);
        var stored = EventLog.documents(mongo.client(), "events_pg");
        EventAssertions.assertStoredExactly(stored, committed);
        EventAssertions.assertMongoOrderPerAggregateIsCommitOrder(stored, committed);
        List<EventLog.KafkaEvent> kafka =
                EventLog.kafkaEvents(stack, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
        assertThat(kafka).hasSize(committed.size());
        EventAssertions.assertKafkaOrderPerAggregateIsCommitOrder(kafka, committed);
        assertThat(kafka).allSatisfy(e -> {
            assertThat(e.headers()).containsEntry("outbox.source.table", "public.outbox");
            assertThat(e.headers().get("outbox.source.position")).startsWith("LSN ");
        });
        stack.awaitOffsetsAtEnd(
                "pg-sink", TIMEOUT, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
    }

    /**
     * A service that keeps its outbox table empty, as Debezium's outbox examples do: each transaction inserts its
     * outbox row and deletes it again before it commits. The WAL holds both; the event arrives once, and the delete
     * adds nothing to any topic.
     */
    @Test
    void anOutboxRowDeletedInItsOwnTransactionArrivesOnceAndTheDeleteAddsNothing() throws Exception {
        postgres.execute("postgres", "CREATE DATABASE shop_deleting");
        postgres.execute("shop_deleting", OutboxWorkload.ORDERS_TABLE, OutboxWorkload.postgresSchema("outbox"));
        Map<String, String> source = new LinkedHashMap<>();
        source.put("database.hostname", postgres.host());
        source.put("database.port", Integer.toString(postgres.port()));
        source.put("database.user", postgres.user());
        source.put("database.dbname", "shop_deleting");
        source.put("topic.prefix", "deleting");
        source.put("slot.name", "deleting");
        source.put("slot.drop.on.stop", "true");
        source.put("transforms.outbox.route.topic.replacement", "deleting.event.${routedByValue}");
        stack.put("deleting-source", stack.shippedConfig("postgres-outbox-source.json", source));
        stack.awaitRunning("deleting-source", 1, TIMEOUT);
        stack.put(
                "deleting-sink",
                PipelineConfigs.sinkConfig(stack, "events_deleting", "deleting\\.event\\..*", Map.of()));
        stack.awaitRunning("deleting-sink", 2, TIMEOUT);

        List<Event> committed =
                new ArrayList<>(OutboxWorkload.writeAndDelete(postgres, "shop_deleting", "outbox", "deleting", 0, 40));
        committed.addAll(OutboxWorkload.write(postgres, "shop_deleting", "outbox", "deleting", 40, 1));

        EventAssertions.assertDeletesAddedNothing(
                stack,
                mongo.client(),
                postgres,
                "shop_deleting",
                "deleting",
                "deleting.public.outbox",
                committed,
                TIMEOUT);
    }
}
