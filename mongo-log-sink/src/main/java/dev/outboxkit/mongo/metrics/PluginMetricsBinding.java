package dev.outboxkit.mongo.metrics;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.function.ToDoubleFunction;

import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link SinkMetrics} as plugin metrics (KIP-877) on workers that have them (Kafka 4.1+), where they
 * appear next to the worker's own task metrics with the connector and task tags. The plugin is compiled against
 * connect-api 3.9, which has no such API, so it is reached by reflection and skipped when absent.
 */
public final class PluginMetricsBinding {

    private static final Logger log = LoggerFactory.getLogger(PluginMetricsBinding.class);

    private PluginMetricsBinding() {}

    /** @return whether plugin metrics were registered */
    public static boolean bind(SinkTaskContext context, SinkMetrics metrics) {
        Object pluginMetrics;
        Class<?> pluginMetricsType;
        Class<?> metricNameType;
        Class<?> providerType;
        try {
            Method accessor = SinkTaskContext.class.getMethod("pluginMetrics");
            pluginMetrics = accessor.invoke(context);
            pluginMetricsType = Class.forName("org.apache.kafka.common.metrics.PluginMetrics");
            metricNameType = Class.forName("org.apache.kafka.common.MetricName");
            providerType = Class.forName("org.apache.kafka.common.metrics.MetricValueProvider");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            log.debug("The worker has no plugin metrics; the JMX MBean carries the sink metrics");
            return false;
        }
        if (pluginMetrics == null) {
            return false;
        }
        try {
            Method metricName =
                    pluginMetricsType.getMethod("metricName", String.class, String.class, LinkedHashMap.class);
            Method addMetric = pluginMetricsType.getMethod("addMetric", metricNameType, providerType);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "records-written-total",
                    "Events stored in MongoDB",
                    m -> m.getRecordsWritten(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "duplicates-skipped-total",
                    "Events already stored (first write wins)",
                    m -> m.getDuplicatesSkipped(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "records-dead-lettered-total",
                    "Records sent to the dead letter queue",
                    m -> m.getRecordsDeadLettered(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "retries-total",
                    "Transient MongoDB failures retried",
                    m -> m.getRetries(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "retrying-for-ms",
                    "How long the current MongoDB outage has lasted (0: none)",
                    m -> m.getRetryingForMs(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "bulk-write-latency-avg-ms",
                    "Average bulk write time",
                    SinkMetrics::getBulkWriteLatencyAvgMs,
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "bulk-write-latency-max-ms",
                    "Longest bulk write time",
                    m -> m.getBulkWriteLatencyMaxMs(),
                    metrics);
            add(
                    pluginMetrics,
                    metricName,
                    addMetric,
                    "end-to-end-lag-ms",
                    "Now minus the timestamp of the last stored record",
                    m -> m.getEndToEndLagMs(),
                    metrics);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Could not register plugin metrics ({}); the JMX MBean carries the sink metrics", e.toString());
            return false;
        }
    }

    private static void add(
            Object pluginMetrics,
            Method metricName,
            Method addMetric,
            String name,
            String description,
            ToDoubleFunction<SinkMetrics> value,
            SinkMetrics metrics)
            throws ReflectiveOperationException {
        Object metric = metricName.invoke(pluginMetrics, name, description, new LinkedHashMap<String, String>());
        Measurable measurable = (config, now) -> value.applyAsDouble(metrics);
        addMetric.invoke(pluginMetrics, metric, measurable);
    }
}
