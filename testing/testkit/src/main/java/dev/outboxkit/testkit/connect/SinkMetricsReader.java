package dev.outboxkit.testkit.connect;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads the MongoDB log sink's JMX counters in this JVM (the in-process worker registers one MBean per task):
 * {@code dev.outboxkit:type=mongo-log-sink,connector="NAME",task="N"}.
 */
public final class SinkMetricsReader {

    private SinkMetricsReader() {}

    /**
     * Sums one attribute (e.g. {@code DuplicatesSkipped}) over the tasks of one connector, or of every sink
     * connector when {@code connector} is null.
     */
    public static long sum(String connector, String attribute) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName pattern = new ObjectName("dev.outboxkit:type=mongo-log-sink,"
                    + (connector == null ? "*" : "connector=" + ObjectName.quote(connector) + ",*"));
            long sum = 0;
            for (ObjectName name : server.queryNames(pattern, null)) {
                sum += ((Number) server.getAttribute(name, attribute)).longValue();
            }
            return sum;
        } catch (JMException e) {
            throw new IllegalStateException(
                    "Cannot read sink metric " + attribute + (connector == null ? "" : " of connector " + connector),
                    e);
        }
    }
}
