package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * write.parallelism: the collections of one batch are written at the same time, and what the batch stores is what
 * writing them one after another (parallelism 1) stores: every event once, the first version of an id in insert mode
 * and the last in replace mode, per collection in record order, and the worker's offsets committed as offered.
 */
class ParallelWritesTest {

    private static final List<String> TYPES = List.of("Order", "Customer", "Payment", "Invoice", "Shipment");
    private static final MongoTestServer mongo = MongoTestServer.shared();

    /** Five collections, 40 events each on partition 0 of its topic, every id sent twice: version 1, then version 2. */
    private static List<SinkRecord> batchWithTwoVersionsOfEachEvent() {
        List<SinkRecord> records = new ArrayList<>();
        long[] offsets = new long[TYPES.size()];
        for (int version = 1; version <= 2; version++) {
            for (int n = 0; n < 40; n++) {
                for (int t = 0; t < TYPES.size(); t++) {
                    String type = TYPES.get(t);
                    records.add(event(
                            type,
                            0,
                            offsets[t]++,
                            type + "-" + n,
                            type + "-agg-" + (n % 4),
                            type + "Changed",
                            "{\"n\": " + n + ", \"version\": " + version + "}"));
                }
            }
        }
        return records;
    }

    @ParameterizedTest(name = "write.mode={0}")
    @ValueSource(strings = {"insert", "replace"})
    void everyCollectionOfTheBatchIsStoredAsWritingThemOneAfterAnotherWould(String mode) {
        List<SinkRecord> batch = batchWithTwoVersionsOfEachEvent();
        try (RunningSink parallel = new RunningSink(mongo, true, "write.mode", mode, "write.parallelism", "4");
                RunningSink sequential = new RunningSink(mongo, true, "write.mode", mode, "write.parallelism", "1")) {
            parallel.put(batch);
            sequential.put(batch);

            int expectedVersion = mode.equals("insert") ? 1 : 2;
            for (String type : TYPES) {
                Map<BsonValue, BsonDocument> stored = parallel.stored("outbox.event." + type);
                assertThat(stored).as(type).hasSize(40);
                for (int n = 0; n < 40; n++) {
                    BsonDocument document = stored.get(new BsonString(type + "-" + n));
                    assertThat(document.getDocument("payload")
                                    .getInt32("version")
                                    .getValue())
                            .as(type + "-" + n)
                            .isEqualTo(expectedVersion);
                }
                assertThat(stored).isEqualTo(sequential.stored("outbox.event." + type));
            }
            assertThat(parallel.reported()).isEmpty();

            Map<TopicPartition, OffsetAndMetadata> offered =
                    Map.of(new TopicPartition("outbox.event.Order", 0), new OffsetAndMetadata(80));
            assertThat(parallel.task().preCommit(offered)).isEqualTo(offered);
        }
    }
}
