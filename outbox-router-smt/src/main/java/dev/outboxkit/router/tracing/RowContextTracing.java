package dev.outboxkit.router.tracing;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.input.OutboxRow;

/**
 * Without OpenTelemetry: the trace context stored in the row goes on unchanged as {@code traceparent} and
 * {@code tracestate} headers, so that a consumer continues the producer's trace. A row without the column, or
 * with an empty or malformed value, gets no trace headers and a debug log.
 */
final class RowContextTracing implements Tracing {

    private static final Logger log = LoggerFactory.getLogger(RowContextTracing.class);

    private final String column;

    RowContextTracing(RouterConfig config) {
        this.column = config.tracingContextColumn();
    }

    @Override
    public void addTraceHeaders(OutboxRow row, Headers headers) {
        String text = storedText(row);
        if (text != null) {
            addTraceHeaders(row, text, headers);
        }
    }

    /** The headers for text already read from the row's column: the context's, or none (with a debug log). */
    void addTraceHeaders(OutboxRow row, String text, Headers headers) {
        TraceContext.Read read = TraceContext.read(text);
        TraceContext context = read.context();
        if (context == null) {
            debug(row, read.problem());
            return;
        }
        put(headers, TraceContext.TRACEPARENT, context.traceparent());
        if (context.tracestate() != null) {
            put(headers, TraceContext.TRACESTATE, context.tracestate());
        }
    }

    /** The row's stored text, or null (with a debug log when the column is there but unusable). */
    String storedText(OutboxRow row) {
        if (!row.hasColumn(column)) {
            return null;
        }
        Object value = row.get(column);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            debug(row, "is a " + value.getClass().getSimpleName() + ", not text");
            return null;
        }
        return text;
    }

    void debug(OutboxRow row, String problem) {
        if (log.isDebugEnabled()) {
            log.debug(
                    "Tracing column '{}' {}; the event gets no trace headers from it: {}",
                    column,
                    problem,
                    row.provenance().describe());
        }
    }

    static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value, Schema.STRING_SCHEMA);
    }
}
