package dev.outboxkit.mongo.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.testing.OutboxRecords;

/**
 * A commit never passes a record the sink was handed and has not stored, even when the worker offers one (as it
 * can after a partition is revoked and given back during a retry: the chaos harness lost three events that way).
 */
class CommitGuardTest {

    private static final TopicPartition P = new TopicPartition("outbox.event.Order", 0);
    private static final TopicPartition Q = new TopicPartition("outbox.event.Order", 1);

    private static List<SinkRecord> records(int partition, int from, int count) {
        List<SinkRecord> records = new ArrayList<>();
        for (int offset = from; offset < from + count; offset++) {
            records.add(OutboxRecords.event("Order", partition, offset, "ev-" + offset, "o-1", "T", "{}"));
        }
        return records;
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(long p, long q) {
        return Map.of(P, new OffsetAndMetadata(p), Q, new OffsetAndMetadata(q));
    }

    @Test
    void theWorkersOffsetsPassWhenEveryHandedRecordWasStored() {
        CommitGuard guard = new CommitGuard();
        guard.stored(records(0, 0, 10));

        assertThat(guard.limit(offsets(10, 7))).isEqualTo(offsets(10, 7));
    }

    @Test
    void aFailedBatchHoldsItsPartitionsCommitUntilItIsStored() {
        CommitGuard guard = new CommitGuard();
        guard.stored(records(0, 0, 10));
        guard.failed(records(0, 10, 5));

        assertThat(guard.limit(offsets(15, 3)))
                .as("the worker offers the failed batch's end")
                .isEqualTo(offsets(10, 3));

        guard.stored(records(1, 3, 2));
        assertThat(guard.limit(offsets(15, 5)))
                .as("other partitions' progress changes nothing")
                .isEqualTo(offsets(10, 5));

        guard.stored(records(0, 10, 3));
        assertThat(guard.limit(offsets(15, 5))).as("partly stored").isEqualTo(offsets(13, 5));

        guard.stored(records(0, 13, 2));
        assertThat(guard.limit(offsets(15, 5))).isEqualTo(offsets(15, 5));
    }

    @Test
    void redeliveryFromAnEarlierOffsetCountsAndAResumptionPastTheGapMeansAnotherTaskStoredIt() {
        CommitGuard guard = new CommitGuard();
        guard.failed(records(0, 20, 5));
        guard.stored(records(0, 18, 4));
        assertThat(guard.limit(offsets(30, 0))).isEqualTo(offsets(22, 0));

        guard.stored(records(0, 40, 3));
        assertThat(guard.limit(offsets(43, 0))).isEqualTo(offsets(43, 0));
    }
}
