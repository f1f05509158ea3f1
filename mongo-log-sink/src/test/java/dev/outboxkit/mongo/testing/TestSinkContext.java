package dev.outboxkit.mongo.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * Stands in for the worker in task-level tests (the worker itself runs in the integration tests): records the
 * back-off the task asks for and, when a dead letter queue is configured, the records reported to it; the dead letter
 * queue can be made to refuse them ({@link #failDeadLetterQueue}).
 */
public final class TestSinkContext implements SinkTaskContext {

    /** A record sent to the dead letter queue, with the reason given. */
    public record Reported(SinkRecord record, Throwable error) {}

    private final boolean deadLetterQueue;
    private final List<Reported> reported = new ArrayList<>();
    private final Set<TopicPartition> assignment = new HashSet<>();
    private long lastTimeoutMs = -1;
    private volatile Throwable deadLetterFailure;

    public TestSinkContext(boolean deadLetterQueue) {
        this.deadLetterQueue = deadLetterQueue;
    }

    public List<Reported> reported() {
        return reported;
    }

    /**
     * From now on the dead letter queue does not take records: each report's future fails with this cause, as the
     * worker's does when its producer cannot write to the DLQ topic. Reports are still recorded.
     */
    public void failDeadLetterQueue(Throwable cause) {
        deadLetterFailure = cause;
    }

    public long lastTimeoutMs() {
        return lastTimeoutMs;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        if (!deadLetterQueue) {
            return null;
        }
        return (record, error) -> {
            reported.add(new Reported(record, error));
            Throwable failure = deadLetterFailure;
            Future<Void> done =
                    failure == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(failure);
            return done;
        };
    }

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {}

    @Override
    public void offset(TopicPartition tp, long offset) {}

    @Override
    public void timeout(long timeoutMs) {
        lastTimeoutMs = timeoutMs;
    }

    @Override
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    @Override
    public void pause(TopicPartition... partitions) {}

    @Override
    public void resume(TopicPartition... partitions) {}

    @Override
    public void requestCommit() {}

    public void assign(Collection<TopicPartition> partitions) {
        assignment.addAll(partitions);
    }
}
