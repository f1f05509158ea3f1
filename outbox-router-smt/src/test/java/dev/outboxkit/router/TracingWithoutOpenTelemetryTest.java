package dev.outboxkit.router;

import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static dev.outboxkit.router.TracedRows.header;
import static dev.outboxkit.router.TracedRows.withoutTraceHeaders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.debezium.transforms.outbox.EventRouter;

/**
 * Tracing as a worker without OpenTelemetry runs it (this suite's class path has no OpenTelemetry class):
 * Debezium's EventRouter then ignores the tracing options; ours carries the row's trace context on as W3C
 * headers and is otherwise identical, record for record.
 */
class TracingWithoutOpenTelemetryTest {

    @Test
    void theOpenTelemetryApiIsReallyAbsentHere() {
        assertThatThrownBy(() -> Class.forName("io.opentelemetry.api.GlobalOpenTelemetry"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @ParameterizedTest(name = "tracing.with.context.field.only={0}")
    @ValueSource(strings = {"true", "false"})
    void everyEventEqualsDebeziumsPlusTheRowsTraceContext(String contextOnly) {
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
        try {
            TracedRows rows = new TracedRows(5);
            for (int i = 0; i < 600; i++) {
                TracedRows.Traced row = rows.next();
                SourceRecord expected = debezium.apply(row.event());
                SourceRecord actual = ours.apply(row.event());
                String place = "row " + i + " (" + row.kind() + ")";

                assertThat(actual.topic()).as(place).isEqualTo(expected.topic());
                assertThat(actual.key()).as(place).isEqualTo(expected.key());
                assertThat(actual.valueSchema()).as(place).isEqualTo(expected.valueSchema());
                assertThat(actual.value()).as(place).isEqualTo(expected.value());
                assertThat(actual.timestamp()).as(place).isEqualTo(expected.timestamp());
                if (row.traceparent() == null) {
                    assertThat(ChangeEvents.headers(actual))
                            .as(place + ": headers, nothing to carry")
                            .isEqualTo(ChangeEvents.headers(expected));
                } else {
                    assertThat(withoutTraceHeaders(actual))
                            .as(place + ": other headers")
                            .isEqualTo(withoutTraceHeaders(expected));
                    assertThat(header(actual, "traceparent")).as(place).isEqualTo(row.traceparent());
                    assertThat(header(actual, "tracestate")).as(place).isEqualTo(row.tracestate());
                    assertThat(actual.headers().allWithName("traceparent"))
                            .as(place + ": one traceparent")
                            .toIterable()
                            .hasSize(1);
                }
                seen.merge(row.kind(), 1, Integer::sum);
            }
        } finally {
            debezium.close();
            ours.close();
        }
        assertThat(seen).as("every kind of stored context").hasSize(TracedRows.Kind.values().length);
    }

    @Test
    void aRowWithoutTheColumnOrWithAMalformedValueGetsNoTraceHeadersAndNeverFails() {
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        ours.configure(config());
        for (String stored : new String[] {
            "traceparent=\\uZZZZ",
            "traceparent=00-short-01",
            "tracestate=a=b",
            " ",
            "traceparent=ff-" + "a".repeat(32) + "-" + "b".repeat(16) + "-01",
            "traceparent=00-" + "A".repeat(32) + "-" + "b".repeat(16) + "-01"
        }) {
            SourceRecord event = ours.apply(TracedRows.eventWithStored(stored));

            assertThat(header(event, "traceparent")).as(stored).isEqualTo("00-abc-def-01"); // the input's own, copied
            assertThat(header(event, "tracestate")).as(stored).isNull();
        }
        SourceRecord classic =
                ours.apply(ChangeEvents.create(ChangeEvents.outboxRow("ev-1", "Order", "o-1", "T", "{}")));
        assertThat(header(classic, "tracestate")).isNull();
        ours.close();
    }

    @Test
    void theContextColumnIsConfigurable() {
        OutboxEventRouter<SourceRecord> ours = new OutboxEventRouter<>();
        ours.configure(config("tracing.span.context.field", "type"));
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        SourceRecord event = ours.apply(ChangeEvents.create(
                ChangeEvents.outboxRow("ev-1", "Order", "o-1", "traceparent=" + traceparent, "{}")));
        assertThat(header(event, "traceparent")).isEqualTo(traceparent);
        ours.close();
    }
}
