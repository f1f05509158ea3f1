package dev.outboxkit.mongo.metrics;

/** The sink task's metrics as JMX attributes, for workers without plugin metrics. */
public interface SinkMetricsMBean {

    long getRecordsWritten();

    long getDuplicatesSkipped();

    long getRecordsDeadLettered();

    long getRetries();

    /** Milliseconds since the first failed write of the current MongoDB outage; 0 while writes succeed. */
    long getRetryingForMs();

    long getBulkWrites();

    /** Total time spent in bulk writes; over an interval, its increase divided by that of BulkWrites is the average. */
    long getBulkWriteTimeMs();

    double getBulkWriteLatencyAvgMs();

    long getBulkWriteLatencyMaxMs();

    long getEndToEndLagMs();

    long getEndToEndLagMaxMs();
}
