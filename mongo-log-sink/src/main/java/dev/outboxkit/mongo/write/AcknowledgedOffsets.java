package dev.outboxkit.mongo.write;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The next offset to commit per partition: one past the highest record that MongoDB acknowledged (or that went
 * to the dead letter queue). {@code preCommit} answers from here, so an offset never passes a record that is not
 * safely stored.
 */
public final class AcknowledgedOffsets {

    private final Map<TopicPartition, Long> next = new HashMap<>();

    public synchronized void acknowledge(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.kafkaPartition());
            next.merge(partition, record.kafkaOffset() + 1, Math::max);
        }
    }

    /** Offsets to commit for the partitions the task holds now. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> forPartitions(Collection<TopicPartition> assigned) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : assigned) {
            Long offset = next.get(partition);
            if (offset != null) {
                offsets.put(partition, new OffsetAndMetadata(offset));
            }
        }
        return offsets;
    }

    /** Forgets partitions the task no longer holds (after a rebalance another task owns them). */
    public synchronized void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(next::remove);
    }
}
