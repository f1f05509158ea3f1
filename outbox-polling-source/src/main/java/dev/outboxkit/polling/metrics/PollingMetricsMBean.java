package dev.outboxkit.polling.metrics;

/** The polling source task's JMX view: {@code dev.outboxkit:type=outbox-polling-source,connector=NAME,task=N}. */
public interface PollingMetricsMBean {

    /** Rows handed to the worker since the task started. */
    long getRowsEmitted();

    /** Rows deleted by cleanup behind the committed offsets since the task started. */
    long getRowsDeleted();

    /**
     * Age in ms of the oldest committed row not yet emitted (the first after the cursor, per table, the largest of
     * the task's tables), refreshed every cleanup interval; 0 when none is waiting, -1 without a created-at column.
     */
    long getOldestPendingAgeMs();

    /** Database errors that made the task reconnect. */
    long getRetries();
}
