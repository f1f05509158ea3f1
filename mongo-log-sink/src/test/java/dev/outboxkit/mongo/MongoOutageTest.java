package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.model.Sorts;

import dev.outboxkit.mongo.testing.TestSinkContext;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.net.TcpProxy;

/**
 * MongoDB cut off mid-stream through a TCP proxy (its data survives), then brought back: the task asks for
 * retries with growing back-off, commits no offset past what MongoDB acknowledged, and afterwards holds every
 * event exactly once.
 */
class MongoOutageTest {

    private static final String TOPIC = "outbox.event.Order";

    private MongoTestServer mongo;
    private TcpProxy proxy;
    private MongoLogSinkTask task;
    private TestSinkContext context;
    private String database;

    @BeforeEach
    void setUp() throws Exception {
        mongo = new MongoTestServer();
        proxy = new TcpProxy(mongo.host(), mongo.port());
        database = MongoTestServer.uniqueDatabase("outage");
        context = new TestSinkContext(false);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (task != null) {
            task.stop();
        }
        proxy.close();
        mongo.close();
    }

    private void startTask(String... overrides) {
        Map<String, String> props = new HashMap<>();
        props.put(
                "connection.uri",
                mongo.uriVia(
                        "127.0.0.1",
                        proxy.port(),
                        "directConnection=true&serverSelectionTimeoutMS=700&connectTimeoutMS=500&socketTimeoutMS=2000"));
        props.put("database", database);
        props.put("retry.backoff.initial.ms", "50");
        props.put("retry.backoff.max.ms", "400");
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        task = new MongoLogSinkTask();
        task.initialize(context);
        task.start(props);
    }

    private static List<SinkRecord> batch(int partition, int fromOffset, int count) {
        List<SinkRecord> records = new ArrayList<>();
        for (int i = fromOffset; i < fromOffset + count; i++) {
            records.add(event(
                    "Order",
                    partition,
                    i,
                    "ev-" + partition + "-" + i,
                    "o-" + (i % 5),
                    "OrderCreated",
                    "{\"n\":" + i + "}"));
        }
        return records;
    }

    private List<String> storedIds() {
        List<String> ids = new ArrayList<>();
        mongo.client()
                .getDatabase(database)
                .getCollection(TOPIC)
                .find()
                .sort(Sorts.ascending("_id"))
                .forEach(doc -> ids.add(doc.getString("_id")));
        return ids;
    }

    @Test
    void outageIsRetriedWithBackoffWithoutCommittingAndEndsWithEveryEventExactlyOnce() throws Exception {
        startTask();
        task.put(batch(0, 0, 10));
        task.put(batch(1, 0, 5));

        proxy.cut();
        List<SinkRecord> during = new ArrayList<>(batch(0, 10, 10));
        during.addAll(batch(1, 5, 5));
        var partition0 = new TopicPartition(TOPIC, 0);
        var partition1 = new TopicPartition(TOPIC, 1);
        // What the worker may offer for commit during the outage: even past the failed batch (after a rebalance).
        Map<TopicPartition, OffsetAndMetadata> offeredPastTheFailedBatch =
                Map.of(partition0, new OffsetAndMetadata(20), partition1, new OffsetAndMetadata(10));
        List<Long> backoffs = new ArrayList<>();
        for (int attempt = 0; attempt < 4; attempt++) {
            // Throwing keeps the worker from advancing these partitions' offsets; preCommit holds the commit at the
            // first record not stored even when the worker offers more (aCommitNeverPassesABatchThatFailed... below,
            // and CommitGuardTest).
            assertThatThrownBy(() -> task.put(during)).isInstanceOf(RetriableException.class);
            backoffs.add(context.lastTimeoutMs());
            assertThat(task.preCommit(offeredPastTheFailedBatch))
                    .as("committed during the outage, attempt " + attempt)
                    .isEqualTo(Map.of(partition0, new OffsetAndMetadata(10), partition1, new OffsetAndMetadata(5)));
        }
        assertThat(backoffs).containsExactly(50L, 100L, 200L, 400L);

        proxy.heal();
        task.put(during);
        assertThat(task.preCommit(offeredPastTheFailedBatch))
                .as("committed once MongoDB took the batch")
                .isEqualTo(offeredPastTheFailedBatch);
        // A redelivery of records already stored (the worker may resend after a rebalance) changes nothing.
        task.put(batch(0, 5, 10));

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("ev-0-" + i);
        }
        for (int i = 0; i < 10; i++) {
            expected.add("ev-1-" + i);
        }
        expected.sort(String::compareTo);
        assertThat(storedIds()).containsExactlyElementsOf(expected);
    }

    @Test
    void theRetryingGaugeCountsFromTheFirstFailureOfAnOutageAndFallsToZeroWhenWritesSucceed() throws Exception {
        startTask("name", "gauge-sink");
        task.put(batch(0, 0, 3));
        assertThat(retryingForMs("gauge-sink")).isZero();

        proxy.cut();
        long cutAt = System.currentTimeMillis();
        try {
            assertThatThrownBy(() -> task.put(batch(0, 3, 3))).isInstanceOf(RetriableException.class);
            long firstFailureSeen = System.currentTimeMillis();
            assertThatThrownBy(() -> task.put(batch(0, 3, 3))).isInstanceOf(RetriableException.class);
            // Measured from the first failure of this outage, not from the last retry.
            long gauge = retryingForMs("gauge-sink");
            assertThat(gauge)
                    .isBetween(System.currentTimeMillis() - firstFailureSeen, System.currentTimeMillis() - cutAt);
        } finally {
            proxy.heal();
        }
        putAsTheWorkerRetries(batch(0, 3, 3));
        assertThat(retryingForMs("gauge-sink")).isZero();
        assertThat(storedIds()).hasSize(6);
    }

    private static long retryingForMs(String connector) throws Exception {
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var name = new javax.management.ObjectName("dev.outboxkit:type=mongo-log-sink,connector="
                + javax.management.ObjectName.quote(connector) + ",task=\"0\"");
        return (Long) server.getAttribute(name, "RetryingForMs");
    }

    @Test
    void anOutageDuringParallelWritesFailsTheWholeBatchAndItsRetryStoresEveryEventOnce() throws Exception {
        startTask("write.parallelism", "3");
        List<SinkRecord> batch = new ArrayList<>();
        for (String type : List.of("Order", "Customer", "Payment")) {
            for (int i = 0; i < 20; i++) {
                batch.add(event(type, 0, i, type + "-" + i, type + "-a", type + "Changed", "{\"n\":" + i + "}"));
            }
        }
        task.put(batch.subList(0, 30)); // Order 0-19 and Customer 0-9 are stored before the outage
        proxy.cut();
        try {
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
            var payment = new org.apache.kafka.common.TopicPartition("outbox.event.Payment", 0);
            assertThat(task.preCommit(Map.of(payment, new org.apache.kafka.clients.consumer.OffsetAndMetadata(20))))
                    .containsEntry(payment, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0));
        } finally {
            proxy.heal();
        }
        putAsTheWorkerRetries(batch);

        for (String type : List.of("Order", "Customer", "Payment")) {
            List<String> ids = new ArrayList<>();
            mongo.client()
                    .getDatabase(database)
                    .getCollection("outbox.event." + type)
                    .find()
                    .sort(Sorts.ascending("n"))
                    .forEach(doc -> ids.add(doc.getString("_id")));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add(type + "-" + i);
            }
            assertThat(ids).as(type).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** Redelivers the batch after each RetriableException, as the worker does, until MongoDB takes it (10 s at most). */
    private void putAsTheWorkerRetries(List<SinkRecord> records) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                task.put(records);
                return;
            } catch (RetriableException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("MongoDB did not take the batch within 10 s after the proxy healed", e);
                }
            }
        }
    }

    @Test
    void aCommitNeverPassesABatchThatFailedEvenWhenTheWorkerOffersIt() throws Exception {
        startTask();
        task.put(batch(0, 0, 10));
        var partition = new org.apache.kafka.common.TopicPartition(TOPIC, 0);
        proxy.cut();
        try {
            assertThatThrownBy(() -> task.put(batch(0, 10, 5))).isInstanceOf(RetriableException.class);
        } finally {
            proxy.heal();
        }
        // After a rebalance during the retry, the worker may offer the failed batch's offsets for commit.
        var offered = Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(15));
        assertThat(task.preCommit(offered))
                .containsEntry(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(10));

        putAsTheWorkerRetries(batch(0, 10, 5));
        assertThat(task.preCommit(offered))
                .containsEntry(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(15));
        assertThat(storedIds()).hasSize(15);
    }

    @Test
    void aBlackholedMongoDbTurnsIntoRetriesNotAHungTask() throws Exception {
        startTask();
        task.put(batch(0, 0, 5));
        proxy.blackhole();
        try {
            // The connection string sets socketTimeoutMS=2000; without one the sink's default of 30 s applies.
            long started = System.nanoTime();
            assertThatThrownBy(() -> task.put(batch(0, 5, 5))).isInstanceOf(RetriableException.class);
            assertThat((System.nanoTime() - started) / 1_000_000)
                    .as("put() returned within the socket timeout and a bit")
                    .isLessThan(10_000);
        } finally {
            proxy.heal();
        }
        task.put(batch(0, 5, 5));
        assertThat(storedIds()).hasSize(10);
    }

    @Test
    void withoutASocketTimeoutInTheConnectionStringTheSinkUsesThirtySeconds() {
        assertThat(MongoClientFactory.settings(new com.mongodb.ConnectionString("mongodb://h/"), 1000)
                        .getSocketSettings()
                        .getReadTimeout(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(30_000);
        assertThat(MongoClientFactory.settings(
                                new com.mongodb.ConnectionString("mongodb://h/?socketTimeoutMS=5000"), 1000)
                        .getSocketSettings()
                        .getReadTimeout(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(5_000);
    }

    @Test
    void outageLongerThanTheRetryTimeoutFailsTheTaskNamingTheTimeout() throws Exception {
        startTask("retry.timeout.ms", "1");
        task.put(batch(0, 0, 1));
        proxy.cut();

        assertThatThrownBy(() -> task.put(batch(0, 1, 1))).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(batch(0, 1, 1)))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("longer than retry.timeout.ms=1");
    }
}
