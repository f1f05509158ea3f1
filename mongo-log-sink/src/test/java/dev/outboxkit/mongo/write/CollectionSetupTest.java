package dev.outboxkit.mongo.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.net.TcpProxy;

/**
 * Indexes follow the configuration: ttl.seconds changes the retention index, 0 removes the one the sink created
 * (other indexes are left alone), preparation never needs MongoDB to be up, and its memory is bounded.
 */
class CollectionSetupTest {

    private static final MongoTestServer mongo = MongoTestServer.shared();

    private static CollectionSetup setup(MongoDatabase database, long ttlSeconds) {
        return new CollectionSetup(database, true, ttlSeconds, "test-index-setup", System::currentTimeMillis);
    }

    private static void prepared(CollectionSetup setup, String collection) {
        setup.ensure(collection);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!setup.isPrepared(collection)) {
            assertThat(System.nanoTime())
                    .as("collection " + collection + " prepared within 10 s")
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static List<String> indexes(MongoDatabase database, String collection) {
        List<String> names = new ArrayList<>();
        for (Document index : database.getCollection(collection).listIndexes()) {
            names.add(index.getString("name")
                    + (index.containsKey("expireAfterSeconds")
                            ? "=" + ((Number) index.get("expireAfterSeconds")).longValue()
                            : ""));
        }
        return names;
    }

    @Test
    void changingTtlSecondsChangesTheRetentionIndexAndZeroRemovesIt() {
        MongoDatabase database = mongo.client().getDatabase(MongoTestServer.uniqueDatabase("ttl"));
        database.getCollection("events").insertOne(new Document("_id", "e1"));

        try (CollectionSetup first = setup(database, 3600)) {
            prepared(first, "events");
        }
        assertThat(indexes(database, "events"))
                .containsExactlyInAnyOrder("_id_", "aggregateId_timestamp", "timestamp_ttl=3600");

        try (CollectionSetup changed = setup(database, 60)) {
            prepared(changed, "events");
        }
        assertThat(indexes(database, "events"))
                .containsExactlyInAnyOrder("_id_", "aggregateId_timestamp", "timestamp_ttl=60");

        try (CollectionSetup removed = setup(database, 0)) {
            prepared(removed, "events");
        }
        assertThat(indexes(database, "events")).containsExactlyInAnyOrder("_id_", "aggregateId_timestamp");
    }

    @Test
    void atStartTheRetentionOfCollectionsWithoutNewEventsFollowsTheConfigurationToo() {
        MongoDatabase database = mongo.client().getDatabase(MongoTestServer.uniqueDatabase("ttlstart"));
        try (CollectionSetup first = setup(database, 3600)) {
            prepared(first, "quiet");
        }
        try (CollectionSetup restarted = setup(database, 0)) {
            restarted.ensureAtStart(List.of());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (indexes(database, "quiet").contains("timestamp_ttl=3600")) {
                assertThat(System.nanoTime())
                        .as("the retention index of 'quiet' removed within 10 s")
                        .isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
        assertThat(indexes(database, "quiet")).containsExactlyInAnyOrder("_id_", "aggregateId_timestamp");
    }

    @Test
    void preparationDoesNotWaitForAnUnreachableMongoDb() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        try (var unreachable = com.mongodb.client.MongoClients.create(
                        "mongodb://127.0.0.1:" + freePort() + "/?serverSelectionTimeoutMS=60000");
                CollectionSetup setup =
                        new CollectionSetup(unreachable.getDatabase("db"), true, 0, "test-index-setup", now::get)) {
            long started = System.nanoTime();
            setup.ensureAtStart(List.of("a", "b", "c"));
            setup.ensure("a");
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            // Server selection alone would take 60 s; ensure() waits at most its bound, ensureAtStart() not at all.
            assertThat(tookMs).isLessThan(CollectionSetup.MAX_WAIT_MS + 1_000);
            assertThat(setup.isPrepared("a")).isFalse();
        }
    }

    @Test
    void aFailedPreparationIsTriedAgainOnAWriteOnlyOnceRetryAfterMsHavePassed() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        String databaseName = MongoTestServer.uniqueDatabase("retry");
        try (TcpProxy proxy = new TcpProxy(mongo.host(), mongo.port());
                var client = com.mongodb.client.MongoClients.create(mongo.uriVia(
                        "127.0.0.1",
                        proxy.port(),
                        "directConnection=true&serverSelectionTimeoutMS=1000&connectTimeoutMS=500"));
                CollectionSetup setup =
                        new CollectionSetup(client.getDatabase(databaseName), true, 0, "test-index-setup", now::get)) {
            proxy.cut();
            setup.ensure("a");
            awaitTrue("the preparation of a failed while MongoDB was cut off", () -> setup.hasFailed("a"));
            proxy.heal();
            awaitTrue("the setup's client reaches MongoDB again", () -> {
                try {
                    client.getDatabase("admin").runCommand(new Document("ping", 1));
                    return true;
                } catch (com.mongodb.MongoException e) {
                    return false;
                }
            });

            now.addAndGet(CollectionSetup.RETRY_AFTER_MS - 1);
            setup.ensure("a");
            assertThat(setup.hasFailed("a"))
                    .as("not tried again before " + CollectionSetup.RETRY_AFTER_MS + " ms")
                    .isTrue();
            assertThat(indexes(mongo.client().getDatabase(databaseName), "a")).isEmpty();

            now.addAndGet(1);
            prepared(setup, "a");
            assertThat(indexes(mongo.client().getDatabase(databaseName), "a"))
                    .containsExactlyInAnyOrder("_id_", "aggregateId_timestamp");
        }
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void theMemoryOfPreparedCollectionsIsBounded() {
        MongoDatabase database = mongo.client().getDatabase(MongoTestServer.uniqueDatabase("bounded"));
        try (CollectionSetup setup =
                new CollectionSetup(database, false, 0, "test-index-setup", System::currentTimeMillis, 5)) {
            for (int i = 0; i < 20; i++) {
                prepared(setup, "c" + i);
            }
            assertThat(setup.remembered()).isEqualTo(5);
            assertThat(setup.isPrepared("c19")).isTrue();
            assertThat(setup.isPrepared("c0")).isFalse();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
