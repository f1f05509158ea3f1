package dev.outboxkit.mongo.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.jmx.TaskMBeanRegistration;

/**
 * Counters of one sink task: records written, duplicates skipped, records sent to the dead letter queue, retries, how
 * long the current MongoDB outage has lasted, bulk-write latency, and end-to-end lag (now minus the record timestamp, at acknowledgement). Published as a JMX
 * MBean {@code dev.outboxkit:type=mongo-log-sink,connector=NAME,task=N}, and as plugin metrics where the worker
 * offers them (see {@link PluginMetricsBinding}).
 */
public final class SinkMetrics implements SinkMetricsMBean {

    private static final Logger log = LoggerFactory.getLogger(SinkMetrics.class);

    private final LongAdder written = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder bulkWrites = new LongAdder();
    private final LongAdder bulkWriteNanos = new LongAdder();
    private final AtomicLong bulkWriteMaxNanos = new AtomicLong();
    private final AtomicLong lagMs = new AtomicLong();
    private final AtomicLong lagMaxMs = new AtomicLong();
    /** When the current MongoDB outage began (wall clock ms), or -1 while writes succeed. */
    private final AtomicLong retryingSinceMs = new AtomicLong(-1);

    private final TaskMBeanRegistration registration = new TaskMBeanRegistration(this);

    public void recordWritten(long count) {
        written.add(count);
    }

    public void recordDuplicates(long count) {
        duplicates.add(count);
    }

    public void recordDeadLettered(long count) {
        deadLettered.add(count);
    }

    /**
     * A transient failure of a write that began at {@code attemptStartedMs}. The first of an outage dates it: its
     * start, since server selection may have waited long before the failure was seen.
     */
    public void recordRetry(long attemptStartedMs) {
        retries.increment();
        retryingSinceMs.compareAndSet(-1, attemptStartedMs);
    }

    /** A batch was stored: the outage, if any, is over. */
    public void recordRecovered() {
        retryingSinceMs.set(-1);
    }

    public void recordBulkWrite(long nanos) {
        bulkWrites.increment();
        bulkWriteNanos.add(nanos);
        bulkWriteMaxNanos.accumulateAndGet(nanos, Math::max);
    }

    public void recordLag(long recordTimestampMs, long nowMs) {
        long lag = Math.max(0, nowMs - recordTimestampMs);
        lagMs.set(lag);
        lagMaxMs.accumulateAndGet(lag, Math::max);
    }

    @Override
    public long getRecordsWritten() {
        return written.sum();
    }

    @Override
    public long getDuplicatesSkipped() {
        return duplicates.sum();
    }

    @Override
    public long getRecordsDeadLettered() {
        return deadLettered.sum();
    }

    @Override
    public long getRetries() {
        return retries.sum();
    }

    @Override
    public long getRetryingForMs() {
        long since = retryingSinceMs.get();
        return since < 0 ? 0 : Math.max(0, System.currentTimeMillis() - since);
    }

    @Override
    public long getBulkWrites() {
        return bulkWrites.sum();
    }

    @Override
    public long getBulkWriteTimeMs() {
        return bulkWriteNanos.sum() / 1_000_000;
    }

    @Override
    public double getBulkWriteLatencyAvgMs() {
        long count = bulkWrites.sum();
        return count == 0 ? 0 : bulkWriteNanos.sum() / 1e6 / count;
    }

    @Override
    public long getBulkWriteLatencyMaxMs() {
        return bulkWriteMaxNanos.get() / 1_000_000;
    }

    @Override
    public long getEndToEndLagMs() {
        return lagMs.get();
    }

    @Override
    public long getEndToEndLagMaxMs() {
        return lagMaxMs.get();
    }

    /**
     * Registers the MBean under the connector name and the Connect task id; a name clash (the task restarted in the
     * same worker before the old instance stopped) replaces the old one.
     */
    public void registerMBean(String connector, String task) {
        try {
            registration.register(new ObjectName("dev.outboxkit:type=mongo-log-sink,connector="
                    + ObjectName.quote(connector) + ",task=" + ObjectName.quote(task)));
        } catch (JMException e) {
            log.warn("Could not register the sink metrics MBean: {}", e.toString());
        }
    }

    /** Unregisters the MBean, unless a newer instance of the same task has taken its name meanwhile. */
    public void unregisterMBean() {
        registration.unregister();
    }
}
