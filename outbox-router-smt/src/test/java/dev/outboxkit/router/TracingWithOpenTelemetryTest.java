package dev.outboxkit.router;

import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static dev.outboxkit.router.TracedRows.header;
import static dev.outboxkit.router.TracedRows.withoutTraceHeaders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.debezium.transforms.outbox.EventRouter;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Tracing as a worker with OpenTelemetry (an SDK registered globally, W3C propagation) runs it: for every stored
 * context, our router opens the spans Debezium 3.7's EventRouter opens (names, kinds, parents, start times,
 * attributes) and its headers carry its span's context exactly as Debezium's carry Debezium's. Runs in its own
 * JVM (surefire execution {@code with-opentelemetry}, the only one whose class path has OpenTelemetry), since
 * the global can be set once.
 */
class TracingWithOpenTelemetryTest {

    private static final List<SpanData> exported = new ArrayList<>();

    @BeforeAll
    static void registerAnSdkGlobally() {
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                    @Override
                    public CompletableResultCode export(Collection<SpanData> spans) {
                        synchronized (exported) {
                            exported.addAll(spans);
                        }
                        return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode flush() {
                        return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode shutdown() {
                        return CompletableResultCode.ofSuccess();
                    }
                }))
                .build();
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        GlobalOpenTelemetry.set(new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return tracerProvider;
            }

            @Override
            public ContextPropagators getPropagators() {
                return propagators;
            }
        });
    }

    /** A span as a differential comparison sees it: everything but its own random ids and its tracer's name. */
    private record SpanShape(
            String name, String kind, String parent, long startNanos, Map<String, String> attributes) {}

    private static List<SpanData> drain() {
        synchronized (exported) {
            List<SpanData> spans = new ArrayList<>(exported);
            exported.clear();
            return spans;
        }
    }

    /** The spans of one record, parents named by span name (or "row" for the stored context), in end order. */
    private static List<SpanShape> shapes(List<SpanData> spans, TracedRows.Traced row) {
        List<SpanShape> shapes = new ArrayList<>();
        for (SpanData span : spans) {
            String parent = span.getParentSpanId();
            String parentName = parent.equals(row.spanId()) ? "row" : "none";
            for (SpanData other : spans) {
                if (other.getSpanId().equals(parent)) {
                    parentName = other.getName();
                }
            }
            Map<String, String> attributes = new TreeMap<>();
            span.getAttributes().forEach((key, value) -> attributes.put(key.getKey(), String.valueOf(value)));
            shapes.add(new SpanShape(
                    span.getName(), span.getKind().name(), parentName, span.getStartEpochNanos(), attributes));
        }
        return shapes;
    }

    /** The traceparent with the span id named after the exported span it points to. */
    private static String symbolic(String traceparent, List<SpanData> spans, TracedRows.Traced row) {
        if (traceparent == null) {
            return null;
        }
        String[] parts = traceparent.split("-");
        String spanName = "unexported span";
        for (SpanData span : spans) {
            if (span.getSpanId().equals(parts[2])) {
                spanName = span.getName();
            }
        }
        String trace = parts[1].equals(row.traceId()) ? "row's trace" : "new trace";
        return parts[0] + "-" + trace + "-" + spanName + "-" + parts[3];
    }

    @ParameterizedTest(name = "tracing.with.context.field.only={0}")
    @ValueSource(strings = {"true", "false"})
    void oursOpensTheSpansDebeziumOpensAndItsHeadersCarryThemAsDebeziumsDo(String contextOnly) {
        Map<String, String> config = config(
                "tracing.span.context.field",
                "tracingspancontext",
                "tracing.operation.name",
                "outbox-read",
                "tracing.with.context.field.only",
                contextOnly);
        EventRouter<SourceRecord> debezium = new EventRouter<>();
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        debezium.configure(config);
        ours.configure(config);
        Map<TracedRows.Kind, Integer> seen = new EnumMap<>(TracedRows.Kind.class);
        int traced = 0;
        try {
            TracedRows rows = new TracedRows(9);
            for (int i = 0; i < 400; i++) {
                TracedRows.Traced row = rows.next();
                drain();
                SourceRecord expected = debezium.apply(row.event());
                List<SpanData> theirSpans = drain();
                SourceRecord actual = ours.apply(row.event());
                List<SpanData> ourSpans = drain();
                String place = "row " + i + " (" + row.kind() + ")";

                assertThat(actual.value()).as(place).isEqualTo(expected.value());
                assertThat(withoutTraceHeaders(actual))
                        .as(place + ": other headers")
                        .isEqualTo(withoutTraceHeaders(expected));
                assertThat(shapes(ourSpans, row)).as(place + ": spans").isEqualTo(shapes(theirSpans, row));
                assertThat(symbolic(header(actual, "traceparent"), ourSpans, row))
                        .as(place + ": traceparent")
                        .isEqualTo(symbolic(header(expected, "traceparent"), theirSpans, row));
                assertThat(header(actual, "tracestate"))
                        .as(place + ": tracestate")
                        .isEqualTo(header(expected, "tracestate"));
                if (!ourSpans.isEmpty()) {
                    traced++;
                }
                seen.merge(row.kind(), 1, Integer::sum);
            }
        } finally {
            debezium.close();
            ours.close();
        }
        assertThat(seen).as("every kind of stored context").hasSize(TracedRows.Kind.values().length);
        assertThat(traced).as("rows with exported spans").isGreaterThan(100);
    }

    @Test
    void aValidContextGetsTheDbLogWriteSpanAsParentOfTheEventsTrace() {
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        ours.configure(config());
        TracedRows.Traced row;
        TracedRows rows = new TracedRows(3);
        do {
            row = rows.next();
        } while (row.kind() != TracedRows.Kind.VALID_WITH_STATE);
        drain();

        SourceRecord event = ours.apply(row.event());

        List<SpanData> spans = drain();
        assertThat(spans).extracting(SpanData::getName).containsExactly("debezium-read", "db-log-write");
        SpanData dbLogWrite = spans.get(1);
        assertThat(dbLogWrite.getTraceId()).isEqualTo(row.traceId());
        assertThat(dbLogWrite.getParentSpanId()).isEqualTo(row.spanId());
        assertThat(dbLogWrite.getStartEpochNanos()).isEqualTo((ChangeEvents.TS_MS - 5) * 1_000_000);
        assertThat(spans.get(0).getParentSpanId()).isEqualTo(dbLogWrite.getSpanId());
        assertThat(header(event, "traceparent"))
                .isEqualTo("00-" + row.traceId() + "-" + dbLogWrite.getSpanId() + "-01");
        assertThat(header(event, "tracestate")).isEqualTo(row.tracestate());
        ours.close();
    }

    /** Where Debezium fails the record (stored text that is not Properties), ours counts it as no context. */
    @Test
    void aContextThatIsNotPropertiesTextCountsAsNoneWhereDebeziumFailsTheRecord() {
        Map<String, String> config = config();
        EventRouter<SourceRecord> debezium = new EventRouter<>();
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        debezium.configure(config);
        ours.configure(config);
        SourceRecord malformed = TracedRows.eventWithStored("traceparent=\\uZZZZ");
        assertThatThrownBy(() -> debezium.apply(TracedRows.eventWithStored("traceparent=\\uZZZZ")))
                .isInstanceOf(RuntimeException.class);
        drain();
        SourceRecord event = ours.apply(malformed);
        assertThat(header(event, "traceparent")).isEqualTo("00-abc-def-01"); // the input's own, copied
        assertThat(header(event, "tracestate")).isNull();
        assertThat(drain()).as("no spans for a row without a usable context").isEmpty();
        debezium.close();
        ours.close();
    }
}
