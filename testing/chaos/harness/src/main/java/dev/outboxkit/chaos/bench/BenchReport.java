package dev.outboxkit.chaos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import dev.outboxkit.chaos.bench.PipelineBenchmark.Options;
import dev.outboxkit.chaos.bench.PipelineBenchmark.StackResult;

/** The benchmark's table, in Markdown, so that it can go into the README as printed. */
final class BenchReport {

    private BenchReport() {}

    static String render(Options options, Map<String, StackResult> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "Pipeline benchmark: source %s, Kafka %s (one KRaft broker, one Connect worker), MongoDB:"
                        + " the in-process wire-protocol server (its JVM on %s); %s; %d writer threads, one event per"
                        + " transaction%s; 3 topics x 3 partitions, sink tasks.max=2%n",
                options.source(),
                options.kafka(),
                options.mongoGc().equals("zgc") ? "ZGC" : "G1",
                machine(),
                options.writers(),
                options.maxBatch() > 1 ? " (flat out: " + options.maxBatch() + ")" : ""));
        out.append(
                "outboxkit: the shipped connect-configs. peer: Debezium's EventRouter (event id into the value as _id, payload "
                        + (options.peerStoresStrings()
                                ? "left a JSON string"
                                : "expanded, table.expand.json.payload=true, so that both"
                                        + " stacks store it as a sub-document")
                        + ", JsonConverter) and mongo-kafka-connect 2.0.1 (ProvidedInValueStrategy,"
                        + " ReplaceOneDefaultStrategy), with the same Debezium, producer and consumer settings."
                        + (options.stacks().contains("polling")
                                ? " polling: the shipped *-outbox-polling.json (outbox-polling-source with the same"
                                        + " OutboxEventRouter, exactly.once.support=required) and the same sink, on an outbox"
                                        + " table created from the shipped polling DDL (connect-configs/polling-*.sql); the"
                                        + " writers insert each event's outbox row after its business row, so in a single-event"
                                        + " transaction the outbox row is last, as the README asks."
                                        + (options.pollingShards() > 1
                                                ? " Polling over " + options.pollingShards() + " outbox tables"
                                                        + " (--polling-shards), writer w into table w mod "
                                                        + options.pollingShards() + ", all read by one task."
                                                : "")
                                        + (options.pollingWithoutBinlog()
                                                ? " The polling stack's MariaDB keeps no binlog"
                                                        + " (--polling-without-binlog); every other stack's keeps the ROW"
                                                        + " binlog with full images that Debezium needs."
                                                : "")
                                : "")
                        + (options.cdcDeletesInTransaction()
                                ? " The writers of the stacks that read the log (outboxkit, peer) delete each"
                                        + " transaction's outbox rows before it commits (--cdc-deletes-in-transaction),"
                                        + " as Debezium's outbox examples do, so their outbox table stays empty."
                                : " The outbox table of the stacks that read the log (outboxkit, peer) is never"
                                        + " cleaned during the run (see --cdc-deletes-in-transaction).")
                        + "\n\n");
        out.append("Database CPU: the source database server's whole process tree (MariaDB's mariadbd; PostgreSQL's"
                + " postmaster and every backend), from /proc, per 1,000 events committed in the phase: the writers'"
                + " transactions and the source connector's reads (and the polling source's deletes) together.\n\n");
        out.append(
                "Commit-to-MongoDB latency in ms. Commit: the writer's wall clock (µs) right after its commit returned. Arrival:"
                        + " the MongoDB server's wall clock (µs, same host) when the write command holding the event finished. The split"
                        + " is at the broker's LogAppendTime (1 ms resolution).\n\n");
        out.append(
                "| offered events/s | stack | committed events/s | p50 | p95 | p99 | p99.9 | max | commit → Kafka p50 / p99 |"
                        + " Kafka → MongoDB p50 / p99 | kept up | database CPU ms / 1,000 events |\n");
        out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        int phases = results.values().iterator().next().phases().size();
        for (int i = 0; i < phases; i++) {
            for (StackResult stack : results.values()) {
                PhaseResult phase = stack.phases().get(i);
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,.0f | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s |%n",
                        Double.isInfinite(phase.offered())
                                ? "flat out"
                                : String.format(Locale.ROOT, "%,.0f", phase.offered()),
                        stack.stack(),
                        phase.achieved(),
                        ms(phase.total().p50Ms()),
                        ms(phase.total().p95Ms()),
                        ms(phase.total().p99Ms()),
                        ms(phase.total().p999Ms()),
                        ms(phase.total().maxMs()),
                        ms(phase.toKafka().p50Ms()),
                        ms(phase.toKafka().p99Ms()),
                        ms(phase.fromKafka().p50Ms()),
                        ms(phase.fromKafka().p99Ms()),
                        phase.keptUp()
                                ? "yes"
                                : String.format(
                                        Locale.ROOT,
                                        "no (backlog +%,.0f/s%s)",
                                        phase.backlogSlope(),
                                        phase.missing() > 0 ? ", " + phase.missing() + " missing" : ""),
                        ms(phase.databaseCpu())));
            }
        }
        out.append("\n");
        List<StackResult> stacks = new ArrayList<>(results.values());
        out.append("| throughput and catch-up (events/s) |");
        stacks.forEach(stack -> out.append(' ').append(stack.stack()).append(" |"));
        List<int[]> ratios = ratios(stacks.stream().map(StackResult::stack).toList());
        for (int[] pair : ratios) {
            out.append(' ')
                    .append(stacks.get(pair[0]).stack())
                    .append(" / ")
                    .append(stacks.get(pair[1]).stack())
                    .append(" |");
        }
        String noRatios = " |".repeat(ratios.size()) + "\n";
        out.append("\n| --- |")
                .append(" ---: |".repeat(stacks.size() + ratios.size()))
                .append("\n");
        row(
                out,
                stacks,
                ratios,
                String.format(
                        Locale.ROOT,
                        "flat out, every stage at once (%d event%s a transaction): committed",
                        options.maxBatch(),
                        options.maxBatch() == 1 ? "" : "s"),
                s -> flatOut(s).achieved());
        row(out, stacks, ratios, "flat out: appended to Kafka", s -> flatOut(s).kafkaRate());
        row(out, stacks, ratios, "flat out: arrived in MongoDB", s -> flatOut(s).mongoRate());
        row(
                out,
                stacks,
                ratios,
                String.format(
                        Locale.ROOT,
                        "backlog of %,d: database writes (%d events a transaction)",
                        options.backlog(),
                        options.backlogBatch()),
                s -> s.backlog().databaseRate());
        row(
                out,
                stacks,
                ratios,
                "backlog: source catch-up (source connector + router into Kafka), MongoDB down",
                s -> s.backlog().sourceRate());
        row(
                out,
                stacks,
                ratios,
                "backlog: sink drain (Kafka into MongoDB), first to last arrival",
                s -> s.backlog().drainRate());
        out.append("| backlog: MongoDB server busy during the drain, documents a write |");
        stacks.forEach(stack -> out.append(String.format(
                Locale.ROOT,
                " %.0f%%, %.0f |",
                100 * stack.backlog().serverBusyShare(),
                stack.backlog().documentsPerWrite())));
        out.append(noRatios);
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, source catch-up: Connect worker (source task)",
                s -> s.backlog().sourceCpu().worker());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, source catch-up: broker",
                s -> s.backlog().sourceCpu().broker());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, source catch-up: database server",
                s -> s.backlog().sourceCpu().database());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, drain: Connect worker (sink tasks)",
                s -> s.backlog().drainCpu().worker());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, drain: MongoDB server",
                s -> s.backlog().drainCpu().mongo());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, drain: broker",
                s -> s.backlog().drainCpu().broker());
        row(
                out,
                stacks,
                ratios,
                "CPU ms per 1,000 events, drain: database server (the polling source: its cleanup's deletes, idle polls)",
                s -> s.backlog().drainCpu().database());
        for (int i = 0; i < phases; i++) {
            int phase = i;
            PhaseResult first = stacks.get(0).phases().get(phase);
            row(
                    out,
                    stacks,
                    ratios,
                    Double.isInfinite(first.offered())
                            ? "CPU ms per 1,000 events, flat out: database server"
                            : String.format(
                                    Locale.ROOT,
                                    "CPU ms per 1,000 events at %,.0f events/s: database server",
                                    first.offered()),
                    s -> s.phases().get(phase).databaseCpu());
        }
        out.append("| backlog: first write after MongoDB came back (ms) |");
        stacks.forEach(stack ->
                out.append(String.format(Locale.ROOT, " %,d |", stack.backlog().firstWriteAfterMs())));
        out.append(noRatios);
        out.append("| events missing in MongoDB at the end (all phases) |");
        stacks.forEach(stack -> out.append(String.format(Locale.ROOT, " %,d |", stack.missing())));
        out.append(noRatios);
        out.append("| events committed, the whole run |");
        stacks.forEach(stack -> out.append(String.format(Locale.ROOT, " %,d |", stack.written())));
        out.append(noRatios);
        out.append("| of them not in MongoDB after the run (counted by id) |");
        stacks.forEach(stack -> out.append(String.format(Locale.ROOT, " %,d |", stack.notStored())));
        out.append(noRatios);
        out.append("| records the sink sent to the dead letter queue |");
        stacks.forEach(stack -> out.append(String.format(Locale.ROOT, " %,d |", stack.deadLettered())));
        out.append(noRatios);
        out.append("\n");
        for (StackResult stack : stacks) {
            out.append(stack.stack()).append(": ").append(sustained(stack)).append("\n");
        }
        return out.toString();
    }

    /**
     * Every run's latency at each offered rate (not flat out), stack by stack in the order they ran, with the load
     * average the machine showed when the stack's run ended; then, per rate, in how many runs the first stack's p99
     * and p99.9 were both below the second's.
     */
    static String renderRuns(List<Map<String, StackResult>> runs) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| run | offered events/s | stack | p50 | p99 | p99.9 | max | Kafka → MongoDB p99 | load average after |\n");
        out.append("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (int run = 0; run < runs.size(); run++) {
            Map<String, StackResult> results = runs.get(run);
            int phases = results.values().iterator().next().phases().size();
            for (int i = 0; i < phases - 1; i++) {
                for (StackResult stack : results.values()) {
                    PhaseResult phase = stack.phases().get(i);
                    out.append(String.format(
                            Locale.ROOT,
                            "| %d | %,.0f | %s | %s | %s | %s | %s | %s | %s |%n",
                            run + 1,
                            phase.offered(),
                            stack.stack(),
                            ms(phase.total().p50Ms()),
                            ms(phase.total().p99Ms()),
                            ms(phase.total().p999Ms()),
                            ms(phase.total().maxMs()),
                            ms(phase.fromKafka().p99Ms()),
                            stack.loadAverage()));
                }
            }
        }
        List<StackResult> first = new ArrayList<>(runs.get(0).values());
        if (first.size() == 2) {
            out.append("\n");
            for (int i = 0; i < first.get(0).phases().size() - 1; i++) {
                int below = 0;
                for (Map<String, StackResult> results : runs) {
                    List<StackResult> pair = new ArrayList<>(results.values());
                    Latency ours = pair.get(0).phases().get(i).total();
                    Latency theirs = pair.get(1).phases().get(i).total();
                    if (ours.p99Ms() < theirs.p99Ms() && ours.p999Ms() < theirs.p999Ms()) {
                        below++;
                    }
                }
                out.append(String.format(
                        Locale.ROOT,
                        "At %,.0f events/s, %s's p99 and p99.9 were both below %s's in %d of %d runs.%n",
                        first.get(0).phases().get(i).offered(),
                        first.get(0).stack(),
                        first.get(1).stack(),
                        below,
                        runs.size()));
            }
        }
        return out.toString();
    }

    /** The machine's load averages (1, 5, 15 minutes) from /proc/loadavg, or "?" where there is none. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /**
     * The highest rate held without a growing backlog, and what limits it: flat out, either every stage kept up with
     * the writers (the database is the limit) or the first stage whose rate fell short of the commits is named.
     */
    static String sustained(StackResult stack) {
        PhaseResult flatOut = flatOut(stack);
        double held = 0;
        for (PhaseResult phase : stack.phases()) {
            if (phase.keptUp()) {
                held = Math.max(held, phase.achieved());
            }
        }
        String alone = String.format(
                Locale.ROOT,
                "alone, the source caught up at %,.0f and the sink drained at %,.0f events/s",
                stack.backlog().sourceRate(),
                stack.backlog().drainRate());
        if (flatOut.keptUp()) {
            return String.format(
                    Locale.ROOT,
                    "held %,.0f events/s, the writers' flat-out rate: the database commits are the"
                            + " limit, every stage kept up; %s",
                    held,
                    alone);
        }
        String behind = flatOut.kafkaRate() < 0.95 * flatOut.achieved()
                ? "the source (the source connector and the router) fell behind first"
                : "the sink fell behind";
        return String.format(
                Locale.ROOT,
                "held %,.0f events/s; flat out the writers committed %,.0f, Kafka received %,.0f and"
                        + " MongoDB %,.0f events/s: %s, with every process sharing the cores; %s",
                held,
                flatOut.achieved(),
                flatOut.kafkaRate(),
                flatOut.mongoRate(),
                behind,
                alone);
    }

    private static PhaseResult flatOut(StackResult stack) {
        return stack.phases().get(stack.phases().size() - 1);
    }

    /**
     * The ratio columns, as index pairs (numerator, denominator) into the stacks: polling against Debezium's path
     * (polling / outboxkit, the comparison the polling source's targets are stated in), outboxkit against the peer
     * (outboxkit / peer), and otherwise the first stack against the second.
     */
    static List<int[]> ratios(List<String> stacks) {
        List<int[]> pairs = new ArrayList<>();
        int outboxkit = stacks.indexOf("outboxkit");
        int polling = stacks.indexOf("polling");
        int peer = stacks.indexOf("peer");
        if (polling >= 0 && outboxkit >= 0) {
            pairs.add(new int[] {polling, outboxkit});
        }
        if (outboxkit >= 0 && peer >= 0) {
            pairs.add(new int[] {outboxkit, peer});
        }
        if (pairs.isEmpty() && stacks.size() == 2) {
            pairs.add(new int[] {0, 1});
        }
        return pairs;
    }

    private static void row(
            StringBuilder out,
            List<StackResult> stacks,
            List<int[]> ratios,
            String label,
            Function<StackResult, Double> value) {
        out.append("| ").append(label).append(" |");
        stacks.forEach(stack -> out.append(
                String.format(Locale.ROOT, value.apply(stack) < 100 ? " %,.1f |" : " %,.0f |", value.apply(stack))));
        for (int[] pair : ratios) {
            out.append(" ")
                    .append(ratio(value.apply(stacks.get(pair[0])), value.apply(stacks.get(pair[1]))))
                    .append(" |");
        }
        out.append("\n");
    }

    /** A ratio cell: "1.59x", or "n/a" when the denominator is 0 (a figure that rounds to nothing has no ratio). */
    static String ratio(double numerator, double denominator) {
        if (denominator == 0 || Double.isNaN(numerator) || Double.isNaN(denominator)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2fx", numerator / denominator);
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.1f", value);
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // Not Linux: the core count and Java version still say something.
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + Math.round(com.sun.management.OperatingSystemMXBean.class
                                .cast(java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                                .getTotalMemorySize()
                        / 1e9)
                + " GB, Java " + System.getProperty("java.version");
    }
}
