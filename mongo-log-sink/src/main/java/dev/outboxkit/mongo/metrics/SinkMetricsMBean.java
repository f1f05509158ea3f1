package dev.outboxkit.mongo.metrics;

/** The sink task's metrics as JMX attributes, for workers without plugin metrics. */
public interface SinkMetricsMBean {

    long getRecordsWritten();

    long getDuplicatesSkipped();

    long getRecordsDeadLettered();

    long getRetries();

    long getBulkWrites();

    double getBulkWriteLatencyAvgMs();

    long getBulkWriteLatencyMaxMs();

    long getEndToEndLagMs();

    long getEndToEndLagMaxMs();
}
