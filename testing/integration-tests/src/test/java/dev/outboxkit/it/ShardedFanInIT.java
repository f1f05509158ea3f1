package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventAssertions;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/**
 * Two shards (two MariaDB servers), each with outbox tables outbox_0 and outbox_1, one Debezium connector per
 * shard: every event lands on the same logical topics outbox.event.&lt;AggregateType&gt; and in MongoDB, with no
 * stream-processing step, and its provenance headers say where it came from.
 */
class ShardedFanInIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static MongoTestServer mongo;
    private static MariaDbServer shard0;
    private static MariaDbServer shard1;
    private static ConnectStack stack;

    @BeforeAll
    static void start() {
        mongo = new MongoTestServer();
        shard0 = new MariaDbServer(1);
        shard1 = new MariaDbServer(2);
        stack = new ConnectStack(1, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, shard0, shard1, mongo);
    }

    @Test
    void shardsAndOutboxTablesFanInToTheSameTopicsAndCollections() throws Exception {
        List<Event> committed = new ArrayList<>();
        MariaDbServer[] shards = {shard0, shard1};
        for (int s = 0; s < shards.length; s++) {
            shards[s].createDatabase("shop");
            shards[s].execute(
                    "shop",
                    OutboxWorkload.ORDERS_TABLE,
                    OutboxWorkload.mariaDbSchema("outbox_0"),
                    OutboxWorkload.mariaDbSchema("outbox_1"));
            committed.addAll(OutboxWorkload.write(shards[s], "shop", "outbox_0", "s" + s + "t0", 0, 10));
        }
        for (int s = 0; s < shards.length; s++) {
            stack.put(
                    "shard" + s + "-source",
                    PipelineConfigs.sourceConfig(stack, shards[s], "shop", "shard" + s, Map.of()));
            stack.awaitRunning("shard" + s + "-source", 1, TIMEOUT);
        }
        stack.put("fanin-sink", PipelineConfigs.sinkConfig(stack, "events_fanin", "outbox\\.event\\..*", Map.of()));
        stack.awaitRunning("fanin-sink", 2, TIMEOUT);
        for (int s = 0; s < shards.length; s++) {
            committed.addAll(OutboxWorkload.write(shards[s], "shop", "outbox_0", "s" + s + "t0", 10, 20));
            committed.addAll(OutboxWorkload.write(shards[s], "shop", "outbox_1", "s" + s + "t1", 0, 30));
        }

        EventLog.awaitDocuments(mongo.client(), "events_fanin", committed.size(), TIMEOUT);
        EventAssertions.assertStoredExactly(EventLog.documents(mongo.client(), "events_fanin"), committed);
        assertThat(EventLog.count(mongo.client(), "events_fanin")).isEqualTo(120);
        assertThat(mongo.client()
                        .getDatabase("events_fanin")
                        .listCollectionNames()
                        .into(new ArrayList<>()))
                .containsExactlyInAnyOrder("outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");

        List<EventLog.KafkaEvent> kafka =
                EventLog.kafkaEvents(stack, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
        assertThat(kafka).hasSize(120);
        Set<String> origins = kafka.stream()
                .map(e -> e.headers().get("outbox.source.server") + "/"
                        + e.headers().get("outbox.source.table"))
                .collect(Collectors.toSet());
        assertThat(origins)
                .containsExactlyInAnyOrder(
                        "shard0/shop.outbox_0", "shard0/shop.outbox_1", "shard1/shop.outbox_0", "shard1/shop.outbox_1");
        for (EventLog.KafkaEvent event : kafka) {
            String expectedOrigin = "shard" + event.id().charAt(1) + "/shop.outbox_"
                    + event.id().charAt(3);
            assertThat(event.headers().get("outbox.source.server") + "/"
                            + event.headers().get("outbox.source.table"))
                    .as(event.id())
                    .isEqualTo(expectedOrigin);
        }
    }
}
