package dev.outboxkit.benchmarks;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a benchmark class with JMH (throughput and, through the GC profiler, bytes allocated per operation) and
 * prints the implementations side by side per scenario, with the ratio against the first implementation.
 *
 * <p>Usage: {@code java -jar testing/benchmarks/target/benchmarks.jar router|sink|read-model [--quick]}
 */
public final class SideBySide {

    private SideBySide() {}

    public static void main(String[] args) throws RunnerException {
        boolean quick = false;
        String suite = "router";
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else {
                suite = arg;
            }
        }
        if (!suite.equals("router") && !suite.equals("sink") && !suite.equals("read-model")) {
            System.err.println("unknown benchmark suite '" + suite + "'; expected: router, sink or read-model");
            System.exit(2);
        }
        boolean router = suite.equals("router");
        Class<?> benchmark =
                router ? RouterBenchmark.class : suite.equals("sink") ? SinkBenchmark.class : ReadModelBenchmark.class;
        Options options = new OptionsBuilder()
                .include(benchmark.getSimpleName() + "\\.")
                .forks(1)
                .warmupIterations(quick ? 2 : 4)
                .warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 3 : 6)
                .measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .build();
        Collection<RunResult> results = new Runner(options).run();
        if (router) {
            printRouterTable(results);
        } else if (benchmark == SinkBenchmark.class) {
            printSinkTable(results);
        } else {
            printReadModelTable(results);
        }
    }

    private static void printSinkTable(Collection<RunResult> results) {
        Map<Integer, Map<String, Double>> byBatch = new TreeMap<>();
        for (RunResult result : results) {
            int batch = Integer.parseInt(result.getParams().getParam("batch"));
            String sink = result.getParams().getParam("sink");
            byBatch.computeIfAbsent(batch, b -> new LinkedHashMap<>())
                    .put(sink, result.getPrimaryResult().getScore() * batch);
        }
        System.out.println();
        System.out.println(
                "| batch | outboxkit (docs/s) | official, replace-one upsert | official, insert-one unordered"
                        + " | raw insertMany unordered | outboxkit / best official | outboxkit / raw |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Map.Entry<Integer, Map<String, Double>> entry : byBatch.entrySet()) {
            Map<String, Double> docs = entry.getValue();
            double ours = docs.getOrDefault("outboxkit", Double.NaN);
            double replace = docs.getOrDefault("mongo-kafka-replace", Double.NaN);
            double insert = docs.getOrDefault("mongo-kafka-insert", Double.NaN);
            double raw = docs.getOrDefault("raw-insertMany", Double.NaN);
            System.out.println(String.format(
                    Locale.ROOT,
                    "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %.2fx | %.0f%% |",
                    entry.getKey(),
                    ours,
                    replace,
                    insert,
                    raw,
                    ours / Math.max(replace, insert),
                    100 * ours / raw));
        }
    }

    private static void printReadModelTable(Collection<RunResult> results) {
        Map<String, Map<String, double[]>> byScenario = new TreeMap<>();
        for (RunResult result : results) {
            int batch = Integer.parseInt(result.getParams().getParam("batch"));
            String scenario = String.format(
                    Locale.ROOT, "%5d | %6s", batch, result.getParams().getParam("aggregates"));
            Result<?> primary = result.getPrimaryResult();
            byScenario
                    .computeIfAbsent(scenario, b -> new LinkedHashMap<>())
                    .put(
                            result.getParams().getParam("sink"),
                            new double[] {primary.getScore() * batch, primary.getScoreError() * batch});
        }
        System.out.println();
        System.out.println(
                "| batch | aggregates | outboxkit write.mode=latest (events/s) | official, replace-one upsert by"
                        + " aggregate id (events/s) | outboxkit / official |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: |");
        for (Map.Entry<String, Map<String, double[]>> entry : byScenario.entrySet()) {
            double[] ours = entry.getValue().getOrDefault("outboxkit-latest", new double[] {Double.NaN, Double.NaN});
            double[] official =
                    entry.getValue().getOrDefault("mongo-kafka-replace", new double[] {Double.NaN, Double.NaN});
            System.out.println(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.2fx |",
                    entry.getKey().trim(),
                    ours[0],
                    ours[1],
                    official[0],
                    official[1],
                    ours[0] / official[0]));
        }
    }

    private static void printRouterTable(Collection<RunResult> results) {
        Map<String, Map<String, double[]>> byScenario = new TreeMap<>();
        for (RunResult result : results) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : result.getParams().getParamsKeys()) {
                params.put(key, result.getParams().getParam(key));
            }
            String scenario = params.getOrDefault("scenario", "-");
            String impl = params.getOrDefault("router", "-");
            Result<?> primary = result.getPrimaryResult();
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            byScenario.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(impl, new double[] {
                primary.getScore(), primary.getScoreError(), alloc == null ? Double.NaN : alloc.getScore()
            });
        }
        System.out.println();
        System.out.println(
                "| scenario | Debezium EventRouter (records/s) | outboxkit (records/s) | speed-up | Debezium B/record | outboxkit B/record |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (Map.Entry<String, Map<String, double[]>> entry : byScenario.entrySet()) {
            double[] debezium = entry.getValue().get("debezium");
            double[] ours = entry.getValue().get("outboxkit");
            if (debezium == null || ours == null) {
                continue;
            }
            System.out.println(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.2fx | %,.0f | %,.0f |",
                    entry.getKey(),
                    debezium[0],
                    debezium[1],
                    ours[0],
                    ours[1],
                    ours[0] / debezium[0],
                    debezium[2],
                    ours[2]));
        }
    }
}
