package dev.outboxkit.router.output;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Date;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.input.OutboxRow;

/**
 * The event's Kafka timestamp: the configured timestamp column converted to epoch milliseconds, or the change
 * event's time when no column is configured or the column is null.
 */
final class EventTimestamps {

    static final String DEBEZIUM_TIMESTAMP = "io.debezium.time.Timestamp";
    static final String DEBEZIUM_MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    static final String DEBEZIUM_NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";
    static final String DEBEZIUM_ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    static final String CONNECT_TIMESTAMP = "org.apache.kafka.connect.data.Timestamp";

    private final String column;

    EventTimestamps(RouterConfig config) {
        this.column = config.timestampColumn();
    }

    Long eventTimeMs(OutboxRow row) {
        if (column == null) {
            return row.changeTimeMs();
        }
        if (!row.hasColumn(column)) {
            throw new DataException(
                    "Outbox row has no column '" + column + "' (option " + RouterConfig.FIELD_EVENT_TIMESTAMP + "): "
                            + row.provenance().describe());
        }
        Object value = row.get(column);
        if (value == null) {
            return row.changeTimeMs();
        }
        Schema schema = row.columnSchema(column);
        String logicalName = schema == null ? null : schema.name();
        if (value instanceof Date date) {
            return date.getTime();
        }
        if (value instanceof Long number) {
            long raw = number;
            if (logicalName == null
                    || DEBEZIUM_TIMESTAMP.equals(logicalName)
                    || CONNECT_TIMESTAMP.equals(logicalName)) {
                return raw;
            }
            if (DEBEZIUM_MICRO_TIMESTAMP.equals(logicalName)) {
                return raw / 1_000;
            }
            if (DEBEZIUM_NANO_TIMESTAMP.equals(logicalName)) {
                return raw / 1_000_000;
            }
        }
        if (value instanceof String text && (logicalName == null || DEBEZIUM_ZONED_TIMESTAMP.equals(logicalName))) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new DataException("Column '" + column + "' is not an ISO-8601 timestamp with offset (option "
                        + RouterConfig.FIELD_EVENT_TIMESTAMP + "): "
                        + row.provenance().describe());
            }
        }
        throw new DataException("Column '" + column + "' has type " + describeType(schema, value)
                + ", which is not a supported event timestamp (option " + RouterConfig.FIELD_EVENT_TIMESTAMP
                + "; supported:"
                + " Timestamp, MicroTimestamp, NanoTimestamp, ZonedTimestamp, Connect Timestamp, INT64 epoch millis): "
                + row.provenance().describe());
    }

    private static String describeType(Schema schema, Object value) {
        if (schema == null) {
            return value.getClass().getSimpleName();
        }
        return schema.name() == null ? schema.type().toString() : schema.type() + " (" + schema.name() + ")";
    }
}
