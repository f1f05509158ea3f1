package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.bench.GrowthBenchmark.Point;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/** The growth benchmark's plan, the shape of what its writers commit, and its CPU arithmetic. */
class GrowthBenchmarkTest {

    @Test
    void eachDimensionGrowsOneThingFromTheBase() {
        assertThat(GrowthBenchmark.plan("types", 400, 10))
                .containsExactly(
                        new Point("types", 1, 1, 1, 100, 1, 400),
                        new Point("types", 10, 1, 1, 100, 1, 400),
                        new Point("types", 100, 1, 1, 100, 1, 400),
                        new Point("types", 1_000, 1, 1, 100, 1, 400));
        assertThat(GrowthBenchmark.plan("tasks", 400, 10))
                .extracting(Point::value)
                .containsExactly(
                        "1 over 12 partitions", "2 over 12 partitions", "3 over 12 partitions", "4 over 12 partitions");
        assertThat(GrowthBenchmark.plan("payload", 400, 10))
                .containsExactly(
                        new Point("payload", 3, 3, 2, 100, 1, 400),
                        new Point("payload", 3, 3, 2, 10_000, 1, 400),
                        new Point("payload", 3, 3, 2, 1_000_000, 1, 10));
        assertThat(GrowthBenchmark.plan("payload", 5, 10).get(2).rate()).isEqualTo(5);
        assertThat(GrowthBenchmark.plan("tables", 300, 10))
                .extracting(Point::tables)
                .containsExactly(1, 10, 50);
        assertThat(GrowthBenchmark.plan("payload", 400, 10))
                .extracting(Point::label)
                .containsExactly("payload-100-B", "payload-10-KB", "payload-1-MB");
        assertThatThrownBy(() -> GrowthBenchmark.plan("colour", 1, 1)).hasMessageContaining("colour");
    }

    @Test
    void eventsSpreadEvenlyOverTypesAndTablesAcrossWriters() {
        List<String> types = List.of("A", "B", "C", "D", "E");
        GrowthBenchmark.Shape shape = new GrowthBenchmark.Shape(types, 3, 4, 100);
        Map<String, Integer> perType = new HashMap<>();
        Map<String, Integer> perTable = new HashMap<>();
        // 4 writers, 15 transactions each: 60 events, 12 of each type and 20 in each table.
        for (int sequence = 1; sequence <= 15; sequence++) {
            for (int writer = 0; writer < 4; writer++) {
                perType.merge(shape.event("p", writer, sequence).aggregateType(), 1, Integer::sum);
                perTable.merge(shape.table(writer, sequence), 1, Integer::sum);
            }
        }
        assertThat(perType).isEqualTo(Map.of("A", 12, "B", 12, "C", 12, "D", 12, "E", 12));
        assertThat(perTable).isEqualTo(Map.of("outbox", 20, "outbox_1", 20, "outbox_2", 20));
        // The first events of the writers together take every type at once, which the warm-up relies on.
        assertThat(List.of(
                        shape.event("p", 0, 1).aggregateType(),
                        shape.event("p", 1, 1).aggregateType(),
                        shape.event("p", 2, 1).aggregateType(),
                        shape.event("p", 3, 1).aggregateType(),
                        shape.event("p", 0, 2).aggregateType()))
                .containsExactly("A", "B", "C", "D", "E");
    }

    @Test
    void payloadsHaveExactlyTheAskedSizeAndStayJson() {
        for (int bytes : new int[] {100, 10_000, 1_000_000}) {
            Event event = new GrowthBenchmark.Shape(List.of("Order"), 1, 2, bytes).event("payload", 1, 7);
            assertThat(event.payload().getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
            assertThat(event.payload()).startsWith("{\"aggregate\": \"order-1-7\", \"seq\": 7, \"pad\": \"xxx");
            assertThat(event.payload()).endsWith("xx\"}");
            assertThat(event.id()).isEqualTo("payload-1-7");
            assertThat(event.type()).isEqualTo("OrderChanged");
        }
    }

    @Test
    void cpuIsMillisecondsPerThousandEvents() {
        // 1.5 s of CPU for 3,000 events: 500 ms per 1,000.
        assertThat(GrowthBenchmark.msPerThousand(10.0, 11.5, 3_000)).isCloseTo(500.0, within(1e-9));
        assertThat(GrowthBenchmark.msPerThousand(10.0, 11.5, 0)).isNaN();
    }

    @Test
    void theIdleShareIsTheIdleRateOverTheWindow() {
        // Idle: 0.5 s of CPU in 5 s (0.1 core). Over a 20 s window that is 2 s; a window that used 3.5 s for 3,000
        // events used 1.5 s for them: 500 ms per 1,000 net of idle.
        double idle = GrowthBenchmark.idleShare(7.0, 7.5, 5.0, 20.0);
        assertThat(idle).isCloseTo(2.0, within(1e-9));
        assertThat(GrowthBenchmark.msPerThousand(10.0 + idle, 13.5, 3_000)).isCloseTo(500.0, within(1e-9));
    }
}
