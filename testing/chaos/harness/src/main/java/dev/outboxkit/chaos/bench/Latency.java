package dev.outboxkit.chaos.bench;

import java.util.Arrays;

/** Percentiles of a set of durations in microseconds (nearest rank), reported in milliseconds. */
public record Latency(int count, double p50Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs) {

    public static Latency of(long[] micros) {
        if (micros.length == 0) {
            return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new Latency(
                sorted.length,
                rank(sorted, 50),
                rank(sorted, 95),
                rank(sorted, 99),
                rank(sorted, 99.9),
                sorted[sorted.length - 1] / 1000.0);
    }

    private static double rank(long[] sorted, double percentile) {
        // The tolerance keeps 99.9% of 2,000 at rank 1,998 rather than at 1,999 by a rounding error.
        int index = (int) Math.ceil(percentile * sorted.length / 100.0 - 1e-9) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
    }
}
