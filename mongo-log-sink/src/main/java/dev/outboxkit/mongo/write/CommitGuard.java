package dev.outboxkit.mongo.write;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Keeps a commit from passing a record the sink was handed but has not stored. The worker tracks offsets itself
 * (by the partitions its consumer reads, whatever a transform renamed, filtered records included), and with a
 * synchronous {@code put()} that is normally exactly what was stored. But when a put fails and the partition is
 * revoked and given back before the batch is redelivered, the worker can keep the failed batch's offsets and later
 * offer them for commit; the chaos harness lost three events that way. So for each partition (by the record's
 * original coordinates) this remembers the range of offsets handed to a put that did not complete, until a later
 * put stores it, and {@link #limit} holds the commit at the start of that range.
 */
public final class CommitGuard {

    /** Offsets [from, to) of one partition that a failed put was handed and no put has stored since. */
    private static final class Unstored {
        long from;
        long to;

        Unstored(long from, long to) {
            this.from = from;
            this.to = to;
        }
    }

    private final Map<TopicPartition, Unstored> unstored = new HashMap<>();

    /** A put was handed these records and did not complete. */
    public synchronized void failed(Collection<SinkRecord> records) {
        rangesOf(records)
                .forEach((partition, range) -> unstored.merge(
                        partition,
                        new Unstored(range[0], range[1] + 1),
                        (old, added) -> new Unstored(Math.min(old.from, added.from), Math.max(old.to, added.to))));
    }

    /** A put stored (or dead-lettered) these records. */
    public synchronized void stored(Collection<SinkRecord> records) {
        rangesOf(records).forEach((partition, range) -> {
            Unstored gap = unstored.get(partition);
            if (gap == null) {
                return;
            }
            if (range[0] > gap.from) {
                // The consumer resumed past the gap: only a commit by another task (which stored them) moves it there,
                // since this guard never lets a commit pass the gap.
                unstored.remove(partition);
                return;
            }
            gap.from = Math.max(gap.from, range[1] + 1);
            if (gap.from >= gap.to) {
                unstored.remove(partition);
            }
        });
    }

    /** The worker's offsets, each held at the first offset that was handed to the sink but not stored. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> limit(Map<TopicPartition, OffsetAndMetadata> current) {
        Map<TopicPartition, OffsetAndMetadata> limited = new HashMap<>(current);
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : current.entrySet()) {
            Unstored gap = unstored.get(entry.getKey());
            if (gap != null && gap.from < entry.getValue().offset()) {
                limited.put(entry.getKey(), new OffsetAndMetadata(gap.from));
            }
        }
        return limited;
    }

    /** Per original partition: the lowest and highest original offset among the records. */
    private static Map<TopicPartition, long[]> rangesOf(Collection<SinkRecord> records) {
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        for (SinkRecord record : records) {
            long offset = record.originalKafkaOffset();
            ranges.merge(
                    new TopicPartition(record.originalTopic(), record.originalKafkaPartition()),
                    new long[] {offset, offset},
                    (old, added) -> new long[] {Math.min(old[0], added[0]), Math.max(old[1], added[1])});
        }
        return ranges;
    }
}
