package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The benchmark's arithmetic: nearest-rank percentiles, and the backlog trend that decides "kept up". */
class MeasurementTest {

    @Test
    void percentilesAreNearestRankInMilliseconds() {
        long[] micros = new long[100];
        for (int i = 0; i < 100; i++) {
            micros[i] = (100 - i) * 1000L; // 100 ms down to 1 ms, unsorted on purpose
        }
        Latency latency = Latency.of(micros);
        assertThat(latency.count()).isEqualTo(100);
        assertThat(latency.p50Ms()).isEqualTo(50.0);
        assertThat(latency.p95Ms()).isEqualTo(95.0);
        assertThat(latency.p99Ms()).isEqualTo(99.0);
        assertThat(latency.maxMs()).isEqualTo(100.0);
        long[] thousand = new long[2000];
        for (int i = 0; i < 2000; i++) {
            thousand[i] = (i + 1) * 1000L; // 1 ms to 2,000 ms: the 1,998th of 2,000 is p99.9
        }
        assertThat(Latency.of(thousand).p999Ms()).isEqualTo(1998.0);
        assertThat(latency.p999Ms()).isEqualTo(100.0);
        assertThat(Latency.of(new long[] {1500}).p99Ms()).isEqualTo(1.5);
        assertThat(Latency.of(new long[0]).p50Ms()).isNaN();
    }

    @Test
    void aBacklogGrowingInTheSecondHalfIsItsGrowthPerSecond() {
        List<long[]> samples = new ArrayList<>();
        for (int i = 0; i <= 40; i++) {
            long nanos = i * 250_000_000L; // every 250 ms for 10 s
            long committed = i * 250L; // 1,000 events/s
            long backlog = i < 20 ? 5 : 5 + (i - 20) * 50L; // flat, then growing 200 events/s
            samples.add(new long[] {nanos, committed, committed - backlog});
        }
        assertThat(PipelineBenchmark.backlogSlope(samples)).isCloseTo(200.0, within(1e-6));
    }

    @Test
    void aBacklogThatStaysFlatHasNoSlopeAndKeepsUp() {
        List<long[]> samples = new ArrayList<>();
        for (int i = 0; i <= 40; i++) {
            long committed = i * 250L;
            samples.add(new long[] {i * 250_000_000L, committed, committed - (i % 2 == 0 ? 3 : 7)});
        }
        double slope = PipelineBenchmark.backlogSlope(samples);
        assertThat(slope).isCloseTo(0.0, within(0.5));
        Latency any = Latency.of(new long[] {1000});
        assertThat(new PhaseResult("r1000", 1000, 1000, any, any, any, slope, 1000, 1000, 0, null, 0).keptUp())
                .isTrue();
        assertThat(new PhaseResult("r1000", 1000, 1000, any, any, any, 200, 1000, 1000, 0, null, 0).keptUp())
                .isFalse();
        assertThat(new PhaseResult("r1000", 1000, 1000, any, any, any, slope, 1000, 1000, 1, null, 0).keptUp())
                .isFalse();
    }

    @Test
    void aStackNamedAgainRunsUnderANumberedLabelAndOnlyPeerLabelsArePeers() {
        List<String> taken = new ArrayList<>();
        for (String stack : List.of("outboxkit", "outboxkit", "peer", "outboxkit", "peer")) {
            taken.add(PipelineBenchmark.label(taken, stack));
        }
        assertThat(taken).containsExactly("outboxkit", "outboxkit-2", "peer", "outboxkit-3", "peer-2");
        assertThat(PipelineBenchmark.isPeer("peer-2")).isTrue();
        assertThat(PipelineBenchmark.isPeer("outboxkit-2")).isFalse();
        assertThat(PipelineBenchmark.isPeer("polling")).isFalse();
    }
}
