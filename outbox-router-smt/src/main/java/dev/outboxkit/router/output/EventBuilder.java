package dev.outboxkit.router.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.RouterConfig.MissingFieldBehavior;
import dev.outboxkit.router.input.OutboxRow;
import dev.outboxkit.router.json.JsonPayloadExpander;
import dev.outboxkit.router.tracing.Tracing;

/**
 * Builds the domain event from an outbox row: topic from the route-by column, key from the event key column
 * (with its own schema), the payload as the value (expanded from JSON on request, wrapped in an envelope struct
 * when columns are placed there), the event id and placed columns as headers on a copy of the input headers,
 * the trace context stored with the row as {@code traceparent}/{@code tracestate} headers, the event time as the
 * timestamp, and the partition from a 'partition' placement.
 *
 * <p>A row that cannot make a correct event (a missing or null id, key or route-by column, a route-by value of
 * the wrong type or giving an illegal topic) fails with a {@link DataException} naming the column, the table and
 * the log position, never a value from the payload.
 */
public final class EventBuilder {

    public static final String EVENT_ID_HEADER = "id";

    private static final Logger log = LoggerFactory.getLogger(EventBuilder.class);

    private final RouterConfig config;
    private final TopicRouter topicRouter;
    private final EventTimestamps timestamps;
    private final JsonPayloadExpander expander;
    private final List<AdditionalField> envelopeFields = new ArrayList<>();
    private final EnvelopeSchemas envelopeSchemas;
    private final Tracing tracing;

    public EventBuilder(RouterConfig config) {
        this.config = config;
        this.topicRouter = new TopicRouter(config);
        this.timestamps = new EventTimestamps(config);
        this.expander = config.expandJsonPayload()
                ? new JsonPayloadExpander(
                        config.payloadColumn(),
                        config.fieldNameAdjustment(),
                        config.jsonNullBehavior(),
                        config.jsonEmptyArrayBehavior())
                : null;
        for (AdditionalField field : config.additionalFields()) {
            if (field.placement() == AdditionalField.Placement.ENVELOPE) {
                envelopeFields.add(field);
            }
        }
        this.envelopeSchemas = new EnvelopeSchemas(envelopeFields, config.fieldNameAdjustment());
        this.tracing = Tracing.create(config);
    }

    public <R extends ConnectRecord<R>> R build(R record, OutboxRow row) {
        Object eventId = requiredValue(row, config.eventIdColumn(), RouterConfig.FIELD_EVENT_ID);
        String routedByValue = routedByValue(row);
        String topic = topicRouter.topicFor(routedByValue, row);
        Object key = requiredValue(row, config.eventKeyColumn(), RouterConfig.FIELD_EVENT_KEY);
        Long timestamp = timestamps.eventTimeMs(row);

        requireColumn(row, config.payloadColumn(), RouterConfig.FIELD_EVENT_PAYLOAD);
        Object payload = row.get(config.payloadColumn());
        Schema payloadSchema = row.columnSchema(config.payloadColumn());
        if (expander != null && payload instanceof String text) {
            if (row.schemaless()) {
                payload = expandSchemaless(text, row);
            } else {
                SchemaAndValue expanded = expand(text, routedByValue, row);
                if (expanded != null) {
                    payload = expanded.value();
                    payloadSchema = expanded.schema();
                }
            }
        }

        Headers headers = record.headers().duplicate();
        headers.add(EVENT_ID_HEADER, eventId, schemaOf(row, config.eventIdColumn(), eventId));
        // A source record goes to the partition the producer picks from the key (Debezium's behaviour); a record the
        // router meets on a sink connector already lives on a partition, and keeps it unless a placement sets one.
        Integer partition = record instanceof SinkRecord sinkRecord ? sinkRecord.kafkaPartition() : null;
        for (AdditionalField field : config.additionalFields()) {
            if (field.placement() == AdditionalField.Placement.HEADER && placedColumnPresent(row, field)) {
                Object value = row.get(field.column());
                headers.add(field.alias(), value, schemaOf(row, field.column(), value));
            } else if (field.placement() == AdditionalField.Placement.PARTITION && placedColumnPresent(row, field)) {
                partition = partition(row, field.column());
            }
        }
        if (config.provenanceHeaders()) {
            row.provenance().addHeaders(headers);
        }
        tracing.addTraceHeaders(row, headers);

        Schema valueSchema;
        Object value;
        if (config.tombstoneOnEmptyPayload()
                && (payload == null || payload instanceof String s && s.trim().isEmpty())) {
            valueSchema = null;
            value = null;
        } else if (envelopeFields.isEmpty()) {
            valueSchema = payloadSchema;
            value = payload;
        } else if (row.schemaless()) {
            valueSchema = null;
            value = envelopeMap(row, payload);
        } else {
            valueSchema = envelopeSchema(row, payloadSchema, routedByValue);
            value = envelopeStruct(row, valueSchema, payload);
        }
        return record.newRecord(
                topic,
                partition,
                row.columnSchema(config.eventKeyColumn()),
                key,
                valueSchema,
                value,
                timestamp,
                headers);
    }

    private SchemaAndValue expand(String text, String routedByValue, OutboxRow row) {
        try {
            return expander.expand(text, routedByValue);
        } catch (JsonPayloadExpander.NotExpandableException e) {
            warnNotExpanded(row, e);
            return null;
        }
    }

    private Object expandSchemaless(String text, OutboxRow row) {
        try {
            return expander.expandSchemaless(text);
        } catch (JsonPayloadExpander.NotExpandableException e) {
            warnNotExpanded(row, e);
            return text;
        }
    }

    private void warnNotExpanded(OutboxRow row, JsonPayloadExpander.NotExpandableException e) {
        log.warn(
                "Payload column '{}' kept as text, not expanded ({}): {}",
                config.payloadColumn(),
                e.getMessage(),
                row.provenance().describe());
    }

    private String routedByValue(OutboxRow row) {
        Object value = requiredValue(row, config.routeByColumn(), RouterConfig.ROUTE_BY_FIELD);
        if (!(value instanceof String text)) {
            throw new DataException("Column '" + config.routeByColumn()
                    + "' must hold a string to route by, but holds a "
                    + typeName(row, config.routeByColumn(), value) + " (option " + RouterConfig.ROUTE_BY_FIELD + "): "
                    + row.provenance().describe());
        }
        return text;
    }

    private Schema envelopeSchema(OutboxRow row, Schema payloadSchema, String routedByValue) {
        Schema[] fieldSchemas = new Schema[envelopeFields.size()];
        for (int i = 0; i < fieldSchemas.length; i++) {
            AdditionalField field = envelopeFields.get(i);
            fieldSchemas[i] = placedColumnPresent(row, field) ? row.columnSchema(field.column()) : null;
        }
        return envelopeSchemas.schemaFor(
                row.rowSchema(), payloadSchema, routedByValue, schemaVersion(row), fieldSchemas);
    }

    private Struct envelopeStruct(OutboxRow row, Schema schema, Object payload) {
        Struct envelope = new Struct(schema).put(EnvelopeSchemas.PAYLOAD_FIELD, payload);
        for (AdditionalField field : envelopeFields) {
            if (schema.field(field.alias()) != null) {
                envelope.put(field.alias(), row.get(field.column()));
            }
        }
        return envelope;
    }

    private Map<String, Object> envelopeMap(OutboxRow row, Object payload) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put(EnvelopeSchemas.PAYLOAD_FIELD, payload);
        for (AdditionalField field : envelopeFields) {
            if (placedColumnPresent(row, field)) {
                envelope.put(field.alias(), row.get(field.column()));
            }
        }
        return envelope;
    }

    private Integer schemaVersion(OutboxRow row) {
        String column = config.schemaVersionColumn();
        if (column == null) {
            return null;
        }
        requireColumn(row, column, RouterConfig.FIELD_EVENT_SCHEMA_VERSION);
        Object value = row.get(column);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte || value instanceof Long) {
            return ((Number) value).intValue();
        }
        throw new DataException("Column '" + column + "' must hold an integer schema version, but holds a "
                + typeName(row, column, value) + " (option " + RouterConfig.FIELD_EVENT_SCHEMA_VERSION + "): "
                + row.provenance().describe());
    }

    private Integer partition(OutboxRow row, String column) {
        Object value = row.get(column);
        if (value == null) {
            return null;
        }
        if ((value instanceof Integer || value instanceof Short || value instanceof Byte || value instanceof Long)
                && ((Number) value).longValue() >= 0
                && ((Number) value).longValue() <= Integer.MAX_VALUE) {
            return ((Number) value).intValue();
        }
        throw new DataException("Column '" + column + "' must hold a non-negative integer partition, but holds a "
                + typeName(row, column, value) + " (option " + RouterConfig.FIELDS_ADDITIONAL_PLACEMENT + "): "
                + row.provenance().describe());
    }

    /** Whether a placed column is there; a missing one fails the record or is skipped, as configured. */
    private boolean placedColumnPresent(OutboxRow row, AdditionalField field) {
        if (row.hasColumn(field.column())) {
            return true;
        }
        if (config.missingFieldBehavior() == MissingFieldBehavior.IGNORE) {
            return false;
        }
        throw new DataException("Outbox row has no column '" + field.column() + "' (option "
                + RouterConfig.FIELDS_ADDITIONAL_PLACEMENT + "; set " + RouterConfig.FIELD_ADDITIONAL_MISSING
                + "=ignore to skip it): " + row.provenance().describe());
    }

    private static Object requiredValue(OutboxRow row, String column, String option) {
        requireColumn(row, column, option);
        Object value = row.get(column);
        if (value == null) {
            throw new DataException("Column '" + column + "' is null (option " + option + "): "
                    + row.provenance().describe());
        }
        return value;
    }

    private static void requireColumn(OutboxRow row, String column, String option) {
        if (!row.hasColumn(column)) {
            throw new DataException("Outbox row has no column '" + column + "' (option " + option + "): "
                    + row.provenance().describe());
        }
    }

    private static Schema schemaOf(OutboxRow row, String column, Object value) {
        Schema schema = row.columnSchema(column);
        return schema != null || value == null ? schema : Values.inferSchema(value);
    }

    private static String typeName(OutboxRow row, String column, Object value) {
        Schema schema = row.columnSchema(column);
        if (schema != null) {
            return schema.name() == null ? schema.type().toString() : schema.type() + " (" + schema.name() + ")";
        }
        return value.getClass().getSimpleName();
    }
}
