package dev.outboxkit.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.testkit.kafka.EventLogFixture;
import dev.outboxkit.testkit.kafka.EventLogFixture.Published;

/**
 * The reconciliation against a real broker and the real MongoDB driver (on an in-JVM wire-protocol server): every
 * kind of gap is found with its ids, and what is not a gap (an event delivered twice, documents from offsets the
 * topic no longer retains, events before the window) is not reported as one. Batches are small so that every test
 * crosses many batch boundaries.
 */
class ReconcilerTest {

    private static final int BATCH = 7;
    private static EmbeddedKafkaCluster kafka;
    private static MongoServer server;
    private static MongoClient mongo;
    private static int databases;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafkaCluster(1, new Properties());
        kafka.start();
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        mongo = MongoClients.create(
                "mongodb://127.0.0.1:" + server.getLocalAddress().getPort());
    }

    @AfterAll
    static void stop() {
        mongo.close();
        server.shutdownNow();
        kafka.stop();
    }

    /** A topic of three partitions with 40 events each, every one stored; returns them in publication order. */
    private static List<Published> storedTopic(EventLogFixture fixture, String topic, long timestampMs) {
        kafka.createTopic(topic, 3);
        List<Published> all = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                ids.add(topic + "-" + partition + "-" + i);
            }
            for (Published event : fixture.publish(topic, partition, ids, timestampMs)) {
                fixture.store(topic, event);
                all.add(event);
            }
        }
        fixture.flush();
        return all;
    }

    private static Reconciler.Result reconcile(String database, String topicsRegex, Instant since) {
        return Reconciler.reconcile(
                Reconciler.Request.of(kafka.bootstrapServers(), database)
                        .topics(Pattern.compile(topicsRegex))
                        .since(since)
                        .timeout(Duration.ofSeconds(30))
                        .batchSize(BATCH)
                        .build(),
                mongo);
    }

    private static String database() {
        return "reconcile" + (++databases);
    }

    @Test
    void everyEventStoredOnceIsConsistentAlsoWhenTheTopicCarriesOneTwice() {
        String db = database();
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), mongo.getDatabase(db))) {
            List<Published> events = storedTopic(fixture, "outbox.event.Same", System.currentTimeMillis());
            // The source delivered one event again (at-least-once); the sink skipped it as a duplicate.
            fixture.publish("outbox.event.Same", 1, List.of(events.get(45).id()), System.currentTimeMillis());

            Reconciler.Result result = reconcile(db, "outbox\\.event\\.Same", null);
            assertThat(result.consistent()).isTrue();
            assertThat(result.partitions()).isEqualTo(3);
            assertThat(result.topicEvents()).isEqualTo(121);
            assertThat(result.documents()).isEqualTo(120);
            assertThat(result.olderThanRetention()).isZero();
        }
    }

    @Test
    void missingEventsAndEveryKindOfStrayAreReportedWithTheirIds() {
        String db = database();
        String topic = "outbox.event.Gaps";
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), mongo.getDatabase(db))) {
            List<Published> events = storedTopic(fixture, topic, System.currentTimeMillis());
            mongo.getDatabase(db)
                    .getCollection(topic)
                    .deleteMany(
                            Filters.in("_id", events.get(3).id(), events.get(77).id()));
            long now = System.currentTimeMillis();
            // At the position of a record that holds another id; from a topic that does not exist; past the end of a
            // partition; without any Kafka position.
            fixture.store(topic, "stray-wrong-id", topic, 0, events.get(10).offset(), now);
            fixture.store(topic, "stray-no-topic", "outbox.event.Gone", 0, 5, now);
            fixture.store("other", "stray-no-partition", topic, 7, 1, now);
            fixture.store(topic, "stray-no-position", null, 0, 0, now);
            fixture.flush();

            Reconciler.Result result = reconcile(db, "outbox\\.event\\.Gaps", null);
            assertThat(result.consistent()).isFalse();
            assertThat(result.missingCount()).isEqualTo(2);
            assertThat(result.missingSample())
                    .containsExactly(events.get(3).id(), events.get(77).id());
            assertThat(result.strayCount()).isEqualTo(4);
            assertThat(result.straySample())
                    .containsExactlyInAnyOrder(
                            "stray-wrong-id", "stray-no-topic", "stray-no-partition", "stray-no-position");
            // The record at the stray's position is stored too (its own document), so it is not missing.
            assertThat(result.missingSample()).doesNotContain(events.get(10).id());
        }
    }

    @Test
    void documentsFromOffsetsTheTopicNoLongerRetainsAreCountedApartNotAsStrays() throws Exception {
        String db = database();
        String topic = "outbox.event.Retained";
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), mongo.getDatabase(db));
                Admin admin = kafka.createAdminClient()) {
            storedTopic(fixture, topic, System.currentTimeMillis());
            // Retention removed the oldest 25 records of partition 0 and 12 of partition 2.
            admin.deleteRecords(Map.of(
                            new TopicPartition(topic, 0),
                            RecordsToDelete.beforeOffset(25),
                            new TopicPartition(topic, 2),
                            RecordsToDelete.beforeOffset(12)))
                    .all()
                    .get();

            Reconciler.Result result = reconcile(db, "outbox\\.event\\.Retained", null);
            assertThat(result.consistent()).isTrue();
            assertThat(result.olderThanRetention()).isEqualTo(37);
            assertThat(result.topicEvents()).isEqualTo(120 - 37);
        }
    }

    @Test
    void aWindowLeavesOutOlderGapsAndCountsOnlyItsOwnEvents() {
        String db = database();
        String topic = "outbox.event.Window";
        long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), mongo.getDatabase(db))) {
            List<Published> old = storedTopic(fixture, topic, twoDaysAgo);
            List<Published> recent = new ArrayList<>();
            for (int partition = 0; partition < 3; partition++) {
                List<String> ids = List.of("recent-" + partition + "-a", "recent-" + partition + "-b");
                for (Published event : fixture.publish(topic, partition, ids, System.currentTimeMillis())) {
                    fixture.store(topic, event);
                    recent.add(event);
                }
            }
            fixture.store(topic, "old-stray", "outbox.event.Gone", 0, 1, twoDaysAgo);
            fixture.flush();
            mongo.getDatabase(db)
                    .getCollection(topic)
                    .deleteMany(Filters.in("_id", old.get(0).id(), recent.get(4).id()));

            Reconciler.Result lastDay =
                    reconcile(db, "outbox\\.event\\.Window", Instant.now().minus(Duration.ofDays(1)));
            assertThat(lastDay.topicEvents()).isEqualTo(6);
            assertThat(lastDay.documents()).isEqualTo(5);
            assertThat(lastDay.missingSample()).containsExactly(recent.get(4).id());
            assertThat(lastDay.strayCount()).isZero();

            Reconciler.Result all = reconcile(db, "outbox\\.event\\.Window", null);
            assertThat(all.missingSample())
                    .containsExactlyInAnyOrder(old.get(0).id(), recent.get(4).id());
            assertThat(all.straySample()).containsExactly("old-stray");
        }
    }

    @Test
    void theCommandPrintsOneJsonObjectAndExitsOneOnAGap() throws Exception {
        String db = database();
        String topic = "outbox.event.Json";
        List<Published> events;
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), mongo.getDatabase(db))) {
            events = storedTopic(fixture, topic, System.currentTimeMillis());
        }
        mongo.getDatabase(db)
                .getCollection(topic)
                .deleteOne(Filters.eq("_id", events.get(8).id()));
        String uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
        var out = new java.io.ByteArrayOutputStream();
        int exit = Reconcile.run(
                Reconcile.parse(
                        new String[] {
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--database",
                            db,
                            "--topics-regex",
                            "outbox\\.event\\.Json",
                            "--json"
                        },
                        uri,
                        Instant.now()),
                new java.io.PrintStream(out, true),
                System.err);
        assertThat(exit).isEqualTo(1);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
        assertThat(out.toString().strip().lines().count()).isEqualTo(1);
        assertThat(json.get("consistent").asBoolean()).isFalse();
        assertThat(json.get("topicEvents").asLong()).isEqualTo(120);
        assertThat(json.get("documents").asLong()).isEqualTo(119);
        assertThat(json.at("/missingInMongo/count").asLong()).isEqualTo(1);
        assertThat(json.at("/missingInMongo/sample/0").asText())
                .isEqualTo(events.get(8).id());
        assertThat(json.at("/notOnAnyTopic/count").asLong()).isZero();
        assertThat(json.get("olderThanRetention").asLong()).isZero();
        assertThat(json.get("peakHeapBytes").asLong()).isPositive();
        assertThat(json.has("durationMs")).isTrue();
    }
}
