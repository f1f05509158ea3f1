package dev.outboxkit.polling.metrics;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counters of one polling source task, published as a JMX MBean. */
public final class PollingMetrics implements PollingMetricsMBean {

    private static final Logger log = LoggerFactory.getLogger(PollingMetrics.class);

    private final LongAdder emitted = new LongAdder();
    private final LongAdder deleted = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final AtomicLong oldestPendingAgeMs = new AtomicLong(-1);
    /** Which instance holds each registered name, so that a stopping task never unregisters its successor's. */
    private static final java.util.Map<ObjectName, PollingMetrics> REGISTERED = new java.util.HashMap<>();

    private ObjectName registeredAs;

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

    public void register(String connector, String task) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        synchronized (REGISTERED) {
            try {
                ObjectName name = name(connector, task);
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name);
                }
                server.registerMBean(this, name);
                REGISTERED.put(name, this);
                registeredAs = name;
            } catch (JMException e) {
                log.warn("Metrics of connector {} task {} not published over JMX: {}", connector, task, e.toString());
            }
        }
    }

    public void unregister() {
        synchronized (REGISTERED) {
            if (registeredAs == null || REGISTERED.get(registeredAs) != this) {
                registeredAs = null;
                return;
            }
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredAs);
            } catch (JMException e) {
                log.debug("Metrics MBean {} already gone", registeredAs);
            }
            REGISTERED.remove(registeredAs);
            registeredAs = null;
        }
    }
}
