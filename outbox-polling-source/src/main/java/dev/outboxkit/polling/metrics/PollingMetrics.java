package dev.outboxkit.polling.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.jmx.TaskMBeanRegistration;

/** Counters of one polling source task, published as a JMX MBean. */
public final class PollingMetrics implements PollingMetricsMBean {

    private static final Logger log = LoggerFactory.getLogger(PollingMetrics.class);

    private final LongAdder emitted = new LongAdder();
    private final LongAdder deleted = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final AtomicLong oldestPendingAgeMs = new AtomicLong(-1);
    private final TaskMBeanRegistration registration = new TaskMBeanRegistration(this);

    public void recordEmitted(long rows) {
        emitted.add(rows);
    }

    public void recordDeleted(long rows) {
        deleted.add(rows);
    }

    public void recordRetry() {
        retries.increment();
    }

    public void setOldestPendingAgeMs(long ageMs) {
        oldestPendingAgeMs.set(ageMs);
    }

    @Override
    public long getRowsEmitted() {
        return emitted.sum();
    }

    @Override
    public long getRowsDeleted() {
        return deleted.sum();
    }

    @Override
    public long getOldestPendingAgeMs() {
        return oldestPendingAgeMs.get();
    }

    @Override
    public long getRetries() {
        return retries.sum();
    }

    public static ObjectName name(String connector, String task) throws JMException {
        return new ObjectName(
                "dev.outboxkit:type=outbox-polling-source,connector=" + ObjectName.quote(connector) + ",task=" + task);
    }

    /** Publishes the MBean; a task restarted in the same worker takes the name over from its predecessor. */
    public void register(String connector, String task) {
        try {
            registration.register(name(connector, task));
        } catch (JMException e) {
            log.warn("Metrics of connector {} task {} not published over JMX: {}", connector, task, e.toString());
        }
    }

    /** Withdraws the MBean, unless the task's successor has taken its name meanwhile. */
    public void unregister() {
        registration.unregister();
    }
}
