package dev.outboxkit.mongo.testing;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

/** Sink records shaped like the outbox router's output: key = aggregate id, 'id' and 'eventType' headers. */
public final class OutboxRecords {

    public static final long BASE_TIMESTAMP = 1_763_800_000_000L;

    private OutboxRecords() {}

    /** An event on topic outbox.event.&lt;aggregateType&gt; with a JSON text payload. */
    public static SinkRecord event(
            String aggregateType,
            int partition,
            long offset,
            String eventId,
            String aggregateId,
            String eventType,
            String jsonPayload) {
        return event(
                "outbox.event." + aggregateType,
                partition,
                offset,
                eventId,
                aggregateId,
                eventType,
                Schema.OPTIONAL_STRING_SCHEMA,
                jsonPayload);
    }

    public static SinkRecord event(
            String topic,
            int partition,
            long offset,
            String eventId,
            String aggregateId,
            String eventType,
            Schema valueSchema,
            Object value) {
        ConnectHeaders headers = new ConnectHeaders();
        if (eventId != null) {
            headers.addString("id", eventId);
        }
        if (eventType != null) {
            headers.addString("eventType", eventType);
        }
        return new SinkRecord(
                topic,
                partition,
                Schema.STRING_SCHEMA,
                aggregateId,
                valueSchema,
                value,
                offset,
                BASE_TIMESTAMP + offset,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                headers);
    }
}
