package dev.outboxkit.router;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Outbox change events whose rows carry a trace context in the tracing column, in Debezium's format, of every
 * kind an application (or a bug in one) can store: valid with and without a tracestate, unsampled, another
 * future version, an invalid tracestate, malformed, empty, absent.
 */
final class TracedRows {

    /** What a generated row's tracing column holds. */
    enum Kind {
        VALID,
        VALID_WITH_STATE,
        UNSAMPLED,
        FUTURE_VERSION,
        INVALID_STATE,
        BAD_TRACEPARENT,
        NO_TRACEPARENT,
        EMPTY,
        NULL
    }

    static final Schema ROW = ChangeEvents.rowSchema(
            "outbox",
            SchemaBuilder.struct()
                    .field("id", Schema.STRING_SCHEMA)
                    .field("aggregatetype", Schema.STRING_SCHEMA)
                    .field("aggregateid", Schema.STRING_SCHEMA)
                    .field("type", Schema.STRING_SCHEMA)
                    .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("tracingspancontext", Schema.OPTIONAL_STRING_SCHEMA));

    /** One generated row: its change event, what its column holds, and the context a consumer should continue. */
    record Traced(Kind kind, String stored, String traceId, String spanId, String traceparent, String tracestate) {
        SourceRecord event() {
            Struct row = new Struct(ROW)
                    .put("id", "ev-" + spanId)
                    .put("aggregatetype", "Order")
                    .put("aggregateid", "o-1")
                    .put("type", "Created")
                    .put("payload", "{\"n\":1}")
                    .put("tracingspancontext", stored);
            return ChangeEvents.create(row);
        }
    }

    private final Random random;

    TracedRows(long seed) {
        this.random = new Random(seed);
    }

    Traced next() {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        String traceId = hex(16);
        String spanId = hex(8);
        String flags = kind == Kind.UNSAMPLED ? "00" : "01";
        String traceparent = (kind == Kind.FUTURE_VERSION ? "01" : "00") + "-" + traceId + "-" + spanId + "-" + flags
                + (kind == Kind.FUTURE_VERSION ? "-extra" : "");
        String tracestate = "vendor=v" + random.nextInt(100) + ",other@sys=x";
        return switch (kind) {
            case VALID, UNSAMPLED, FUTURE_VERSION ->
                new Traced(kind, "traceparent=" + traceparent + "\n", traceId, spanId, traceparent, null);
            case VALID_WITH_STATE ->
                new Traced(
                        kind,
                        "# written by the service\ntraceparent=" + traceparent + "\ntracestate=" + tracestate,
                        traceId,
                        spanId,
                        traceparent,
                        tracestate);
            case INVALID_STATE ->
                new Traced(
                        kind,
                        "traceparent=" + traceparent + "\ntracestate=Not Valid==",
                        traceId,
                        spanId,
                        traceparent,
                        null);
            case BAD_TRACEPARENT ->
                new Traced(kind, "traceparent=00-" + traceId + "-" + "0".repeat(16) + "-01", null, null, null, null);
            case NO_TRACEPARENT ->
                new Traced(kind, "uber-trace-id=" + traceId + ":" + spanId + ":0:1", null, null, null, null);
            case EMPTY -> new Traced(kind, "", null, null, null, null);
            case NULL -> new Traced(kind, null, null, null, null, null);
        };
    }

    private String hex(int bytes) {
        byte[] id = new byte[bytes];
        random.nextBytes(id);
        id[0] |= 1; // never all zeros
        return HexFormat.of().formatHex(id);
    }

    /** A change event of a generated row whose tracing column holds this text instead. */
    static SourceRecord eventWithStored(String stored) {
        SourceRecord input = new TracedRows(1).next().event();
        ((Struct) ((Struct) input.value()).get("after")).put("tracingspancontext", stored);
        return input;
    }

    /** The headers without the trace headers, in order. */
    static List<Header> withoutTraceHeaders(SourceRecord record) {
        List<Header> headers = ChangeEvents.headers(record);
        headers.removeIf(h -> h.key().equals("traceparent") || h.key().equals("tracestate"));
        return headers;
    }

    static String header(SourceRecord record, String name) {
        Header header = record.headers().lastWithName(name);
        return header == null ? null : (String) header.value();
    }
}
