package dev.outboxkit.router.tracing;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Headers;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.input.OutboxRow;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * With the OpenTelemetry API: the spans Debezium 3.7's EventRouter opens, with the same names, kinds, start times
 * and attributes. A {@code db-log-write} span (internal, a child of the row's stored context, starting at the
 * source's {@code ts_ms}, with every non-null field of the source block as a {@code db.*} attribute: {@code db}
 * as {@code db.instance}, {@code connector} as {@code db.type}, {@code name} as {@code db.cdc-name}), and under
 * it the processing span named by {@code tracing.operation.name} (starting at the change event's {@code ts_ms},
 * attributes {@code op} and {@code ts_ms}). The configured propagators write the {@code db-log-write} span's
 * context into the headers, as Debezium's do.
 *
 * <p>As in Debezium, stored text the propagator cannot use (empty, or without a valid traceparent) gives spans in
 * a new trace. Text that is not {@code java.util.Properties} at all, which fails the record in Debezium, counts as
 * no context here. When OpenTelemetry has no propagator (the API without an SDK or agent, a no-op), nothing is
 * injected and the row's context is carried on as without the API.
 * This class is loaded only when the API is present.
 */
final class OpenTelemetryTracing implements Tracing {

    static final String TX_LOG_WRITE_SPAN = "db-log-write";
    static final String INSTRUMENTATION_SCOPE = "dev.outboxkit.router";
    private static final String DB_PREFIX = "db.";

    private final RowContextTracing rowContext;
    private final String operationName;
    private final boolean withContextOnly;
    private volatile Instance instance;

    /** The global OpenTelemetry and the tracer taken from it; taken again if the global changes. */
    private record Instance(OpenTelemetry openTelemetry, Tracer tracer) {}

    OpenTelemetryTracing(RouterConfig config, RowContextTracing rowContext) {
        this.rowContext = rowContext;
        this.operationName = config.tracingOperationName();
        this.withContextOnly = config.tracingWithContextFieldOnly();
        instance(); // fails here, at configure time, if the API cannot be linked
    }

    private Instance instance() {
        OpenTelemetry global = GlobalOpenTelemetry.get();
        Instance current = instance;
        if (current == null || current.openTelemetry() != global) {
            current = new Instance(global, global.getTracer(INSTRUMENTATION_SCOPE));
            instance = current;
        }
        return current;
    }

    @Override
    public void addTraceHeaders(OutboxRow row, Headers headers) {
        String text = rowContext.storedText(row);
        Properties stored = text == null ? null : TraceContext.properties(text);
        if (text != null && stored == null) {
            rowContext.debug(row, "is not java.util.Properties text"); // Debezium fails such a record
        }
        if (stored == null && withContextOnly) {
            return;
        }
        Instance otel = instance();
        TextMapPropagator propagator = otel.openTelemetry().getPropagators().getTextMapPropagator();
        Context parent = Context.current();
        if (stored != null) {
            // As Debezium: whatever the propagator finds is the parent; a context it cannot read starts a new trace.
            parent = propagator.extract(parent, stored, PropertiesGetter.INSTANCE);
        }

        InjectingSetter setter = new InjectingSetter();
        var txLogSpanBuilder = otel.tracer()
                .spanBuilder(TX_LOG_WRITE_SPAN)
                .setSpanKind(SpanKind.INTERNAL)
                .setParent(parent);
        Long sourceTimeMs = longField(row.source(), "ts_ms");
        if (sourceTimeMs != null) {
            txLogSpanBuilder.setStartTimestamp(sourceTimeMs, TimeUnit.MILLISECONDS);
        }
        Span txLogSpan = txLogSpanBuilder.startSpan();
        try (Scope ignored = txLogSpan.makeCurrent()) {
            addSourceAttributes(txLogSpan, row.source());
            processingSpan(otel.tracer(), row);
            propagator.inject(Context.current(), headers, setter);
        } finally {
            txLogSpan.end();
        }
        if (!setter.injected && stored != null) {
            // A no-op OpenTelemetry injects nothing: the row's own context still goes on.
            rowContext.addTraceHeaders(row, text, headers);
        }
    }

    private void processingSpan(Tracer tracer, OutboxRow row) {
        var builder = tracer.spanBuilder(operationName);
        Long changeTimeMs = row.changeTimeMs();
        if (changeTimeMs != null) {
            builder.setStartTimestamp(changeTimeMs, TimeUnit.MILLISECONDS);
        }
        Span span = builder.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            if (row.operation() != null) {
                span.setAttribute("op", row.operation());
            }
            if (changeTimeMs != null) {
                span.setAttribute("ts_ms", changeTimeMs.toString());
            }
        } finally {
            span.end();
        }
    }

    private static void addSourceAttributes(Span span, Object source) {
        if (source instanceof Struct struct) {
            for (Field field : struct.schema().fields()) {
                addAttribute(span, field.name(), struct.get(field));
            }
        } else if (source instanceof Map<?, ?> map) {
            map.forEach((name, value) -> addAttribute(span, String.valueOf(name), value));
        }
    }

    private static void addAttribute(Span span, String field, Object value) {
        if (value == null) {
            return;
        }
        String name = switch (field) {
            case "db" -> "instance";
            case "connector" -> "type";
            case "name" -> "cdc-name";
            default -> field;
        };
        span.setAttribute(DB_PREFIX + name, value.toString());
    }

    private static Long longField(Object source, String name) {
        Object value = null;
        if (source instanceof Struct struct && struct.schema().field(name) != null) {
            value = struct.get(name);
        } else if (source instanceof Map<?, ?> map) {
            value = map.get(name);
        }
        return value instanceof Number number ? number.longValue() : null;
    }

    private enum PropertiesGetter implements TextMapGetter<Properties> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Properties carrier) {
            return carrier.stringPropertyNames();
        }

        @Override
        public String get(Properties carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String value = carrier.getProperty(key);
            return value == null ? null : value.trim();
        }
    }

    /** Writes each propagated field as a string header, replacing one of the same name; notes that it wrote. */
    private static final class InjectingSetter implements TextMapSetter<Headers> {
        boolean injected;

        @Override
        public void set(Headers carrier, String key, String value) {
            if (carrier != null) {
                RowContextTracing.put(carrier, key, value);
                injected = true;
            }
        }
    }
}
