package dev.outboxkit.router.input;

import java.util.Map;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.RouterConfig.InputFormat;

/**
 * Recognises what a record holds: a Debezium change event of an outbox row, a flat outbox row, or something
 * else that passes through (heartbeats, schema changes). Applies the change-event rules: creates and snapshot
 * reads are routed, deletes and truncates dropped, updates (and any other operation) follow
 * {@code table.op.invalid.behavior}. Envelopes are read by field name with connect-api only.
 */
public final class InputReader {

    private static final Logger log = LoggerFactory.getLogger(InputReader.class);

    private static final String ENVELOPE_SCHEMA_SUFFIX = ".Envelope";
    private static final String OP = "op";
    private static final String AFTER = "after";
    private static final String SOURCE = "source";
    private static final String TS_MS = "ts_ms";

    /** What the transformation does with a record. */
    public enum Action {
        ROUTE,
        DROP,
        PASS_THROUGH
    }

    /** The outcome of reading one record: an action and, for {@link Action#ROUTE}, the row. */
    public record Input(Action action, OutboxRow row) {
        static final Input DROP = new Input(Action.DROP, null);
        static final Input PASS_THROUGH = new Input(Action.PASS_THROUGH, null);
    }

    private final RouterConfig config;

    public InputReader(RouterConfig config) {
        this.config = config;
    }

    public Input read(ConnectRecord<?> record) {
        Object value = record.value();
        InputFormat format = config.inputFormat();
        if (format != InputFormat.ROW) {
            if (value instanceof Struct struct && isEnvelopeSchema(record.valueSchema())) {
                return readChangeEvent(
                        record, struct.getString(OP), struct.get(AFTER), struct.get(SOURCE), struct.getInt64(TS_MS));
            }
            if (record.valueSchema() == null && value instanceof Map<?, ?> map && isEnvelopeMap(map)) {
                return readChangeEvent(
                        record, stringOrNull(map.get(OP)), map.get(AFTER), map.get(SOURCE), longOrNull(map.get(TS_MS)));
            }
            if (format == InputFormat.ENVELOPE) {
                return Input.PASS_THROUGH;
            }
        }
        if (!(value instanceof Struct) && !(value instanceof Map)) {
            if (format == InputFormat.ROW) {
                throw new DataException(
                        "Outbox row expected, but the value of the record from topic " + record.topic() + " is a "
                                + value.getClass().getSimpleName() + " (option " + RouterConfig.INPUT_FORMAT + "=row)");
            }
            return Input.PASS_THROUGH;
        }
        OutboxRow row = OutboxRow.of(record, value, null, null, record.timestamp());
        if (format == InputFormat.AUTO && !looksLikeOutboxRow(row)) {
            return Input.PASS_THROUGH;
        }
        return new Input(Action.ROUTE, row);
    }

    private Input readChangeEvent(ConnectRecord<?> record, String op, Object after, Object source, Long tsMs) {
        if (op == null) {
            return Input.PASS_THROUGH;
        }
        switch (op) {
            case "c":
            case "r":
                if (after instanceof Struct || after instanceof Map) {
                    return new Input(Action.ROUTE, OutboxRow.of(record, after, source, op, tsMs));
                }
                throw new DataException("Change event with op '" + op + "' has no 'after' row: "
                        + Provenance.of(record, source).describe());
            case "d":
                log.debug("Delete of an outbox row ignored: {}", lazyDescribe(record, source));
                return Input.DROP;
            case "t":
                log.debug("Truncate of an outbox table ignored: {}", lazyDescribe(record, source));
                return Input.DROP;
            default:
                return unexpectedOperation(record, op, source);
        }
    }

    private Input unexpectedOperation(ConnectRecord<?> record, String op, Object source) {
        switch (config.invalidOpBehavior()) {
            case WARN:
                log.warn(
                        "Unexpected operation '{}' on an outbox row ignored: {}",
                        op,
                        Provenance.of(record, source).describe());
                return Input.DROP;
            case ERROR:
                log.error(
                        "Unexpected operation '{}' on an outbox row ignored: {}",
                        op,
                        Provenance.of(record, source).describe());
                return Input.DROP;
            default:
                throw new DataException(
                        "Unexpected operation '" + op + "' on an outbox row (option " + RouterConfig.OP_INVALID_BEHAVIOR
                                + "=fatal): " + Provenance.of(record, source).describe());
        }
    }

    private boolean looksLikeOutboxRow(OutboxRow row) {
        return row.hasColumn(config.eventIdColumn())
                && row.hasColumn(config.routeByColumn())
                && row.hasColumn(config.payloadColumn());
    }

    private static boolean isEnvelopeSchema(Schema schema) {
        return schema != null && schema.name() != null && schema.name().endsWith(ENVELOPE_SCHEMA_SUFFIX);
    }

    private static boolean isEnvelopeMap(Map<?, ?> map) {
        return map.get(OP) instanceof String && (map.containsKey(AFTER) || map.containsKey("before"));
    }

    private static Object lazyDescribe(ConnectRecord<?> record, Object source) {
        return new Object() {
            @Override
            public String toString() {
                return Provenance.of(record, source).describe();
            }
        };
    }

    private static String stringOrNull(Object value) {
        return value instanceof String s ? s : null;
    }

    private static Long longOrNull(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }
}
