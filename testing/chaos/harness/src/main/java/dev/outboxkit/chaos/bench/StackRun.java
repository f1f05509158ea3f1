package dev.outboxkit.chaos.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.bench.TimedWriters.Written;
import dev.outboxkit.testkit.Wait;

/**
 * The phases of one stack on its cluster, for {@link PipelineBenchmark}: warm-up, latency at each offered rate, the
 * rate with every stage flat out, and the catch-up of a backlog built during a MongoDB outage.
 */
final class StackRun {

    private static final long ALL = Long.MAX_VALUE;

    private final Cluster cluster;
    private final TopicTimes topics;
    private final TopicTimes deadLetters;
    private final ArrivalLog arrivals;
    private final TimedWriters writers;
    private final PipelineBenchmark.Options options;
    private final Path runDirectory;
    private long committedTotal;
    private final List<String> writtenIds = new ArrayList<>();
    /** The source database's server process, whose process tree's CPU the phases measure. */
    private final long databasePid;

    StackRun(
            Cluster cluster,
            TopicTimes topics,
            TopicTimes deadLetters,
            ArrivalLog arrivals,
            TimedWriters writers,
            PipelineBenchmark.Options options,
            Path runDirectory) {
        this.runDirectory = runDirectory;
        this.cluster = cluster;
        this.topics = topics;
        this.deadLetters = deadLetters;
        this.arrivals = arrivals;
        this.writers = writers;
        this.options = options;
        this.databasePid = DatabaseProcess.pid(cluster.database(), Cluster.DATABASE);
    }

    /** Every event written in this run, warm-up included. */
    List<String> writtenIds() {
        return writtenIds;
    }

    /** 30 s at 500 events/s, until all of it is in MongoDB: the sink has found every topic, the JITs are warm. */
    void warmUp() throws InterruptedException {
        System.out.println("warm-up: 500 events/s for 30 s");
        Written warm = writers.write("warm", 500, 30_000, ALL, 1);
        committedTotal += warm.count();
        writtenIds.addAll(warm.commitMicros().keySet());
        if (awaitArrived(warm, 180) > 0) {
            throw new IllegalStateException("The warm-up's events did not all reach MongoDB within 180 s");
        }
    }

    /** The writers' transactions run again after a deadlock, over the run. */
    long writerRetries() {
        return writers.retries();
    }

    /** One phase at the offered rate (infinite: as fast as the writers go), in transactions of eventsPerTransaction. */
    PhaseResult phase(String name, double rate, int eventsPerTransaction) throws InterruptedException {
        System.out.println("phase " + name + ": "
                + (Double.isInfinite(rate) ? "as fast as the writers go" : rate + " events/s") + " for "
                + options.phaseSeconds() + " s, " + eventsPerTransaction + " event(s) a transaction");
        long kafkaBefore = topics.endOffsetTotal();
        arrivals.refresh();
        int commandsBefore = arrivals.commands();
        List<long[]> samples = new ArrayList<>();
        Thread sampler = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        arrivals.refresh();
                        samples.add(new long[] {System.nanoTime(), writers.committed(), arrivals.arrived()});
                        try {
                            Thread.sleep(250);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "bench-sampler");
        sampler.start();
        double[] cpuBefore = cpu();
        Written written = writers.write(name, rate, options.phaseSeconds() * 1000L, ALL, eventsPerTransaction);
        double[] cpuAfter = cpu();
        BacklogResult.Cpu phaseCpu = perThousand(cpuBefore, cpuAfter, Math.max(1, written.count()));
        double databaseCpu = phaseCpu.database();
        sampler.interrupt();
        sampler.join();
        double seconds = (written.endedMicros() - written.startedMicros()) / 1e6;
        long kafkaAfter = topics.endOffsetTotal();
        committedTotal += written.count();
        writtenIds.addAll(written.commitMicros().keySet());
        int missing = awaitArrived(written, 180);
        PhaseResult result = measure(
                written,
                rate,
                samples,
                (kafkaAfter - kafkaBefore) / seconds,
                missing,
                arrivals.serverTime(commandsBefore),
                databaseCpu);
        System.out.printf(
                "  committed %,d (%.0f events/s), p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms, backlog slope"
                        + " %.0f events/s;"
                        + " MongoDB server per write p50 %.1f ms p99 %.1f ms, %.0f documents a write; database CPU"
                        + " %.1f ms per 1,000 events (while the writers ran: worker %.0f, broker %.0f, MongoDB %.0f)%s;"
                        + " load average %s%n",
                written.count(),
                result.achieved(),
                result.total().p50Ms(),
                result.total().p99Ms(),
                result.total().p999Ms(),
                result.total().maxMs(),
                result.backlogSlope(),
                result.server().perCommand().p50Ms(),
                result.server().perCommand().p99Ms(),
                result.server().documentsPerCommand(),
                result.databaseCpu(),
                phaseCpu.worker(),
                phaseCpu.broker(),
                phaseCpu.mongo(),
                missing > 0 ? ", " + missing + " MISSING" : "",
                BenchReport.loadAverage());
        return result;
    }

    private PhaseResult measure(
            Written written,
            double offered,
            List<long[]> samples,
            double kafkaRate,
            int missing,
            ArrivalLog.ServerTime server,
            double databaseCpu) {
        topics.catchUp();
        writeEvents(written);
        long[] total = new long[written.count()];
        long[] toKafka = new long[written.count()];
        long[] fromKafka = new long[written.count()];
        int n = 0;
        int staged = 0;
        for (Map.Entry<String, Long> event : written.commitMicros().entrySet()) {
            Long arrived = arrivals.arrivalMicros(event.getKey());
            if (arrived == null) {
                continue;
            }
            total[n++] = arrived - event.getValue();
            Long appended = topics.appendMillis(event.getKey());
            if (appended != null) {
                toKafka[staged] = appended * 1000 - event.getValue();
                fromKafka[staged] = arrived - appended * 1000;
                staged++;
            }
        }
        double seconds = (written.endedMicros() - written.startedMicros()) / 1e6;
        long first = samples.isEmpty() ? 0 : samples.get(0)[2];
        long last = samples.isEmpty() ? 0 : samples.get(samples.size() - 1)[2];
        return new PhaseResult(
                written.phase(),
                offered,
                written.eventsPerSecond(),
                Latency.of(Arrays.copyOf(total, n)),
                Latency.of(Arrays.copyOf(toKafka, staged)),
                Latency.of(Arrays.copyOf(fromKafka, staged)),
                PipelineBenchmark.backlogSlope(samples),
                kafkaRate,
                (last - first) / seconds,
                missing,
                server,
                databaseCpu);
    }

    /**
     * Every event of the phase, one line each in {@code events-<phase>.tsv} of the run directory: id, commit,
     * broker append and MongoDB arrival in epoch microseconds ({@code -} where unknown). To find when the slow events
     * of a phase happened, and line them up with a flight recording of the same run (--jfr).
     */
    private void writeEvents(Written written) {
        Path file = runDirectory.resolve("events-" + written.phase() + ".tsv");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("id\tcommit_us\tkafka_us\tmongo_us\n");
            for (Map.Entry<String, Long> event : written.commitMicros().entrySet()) {
                Long appended = topics.appendMillis(event.getKey());
                Long arrived = arrivals.arrivalMicros(event.getKey());
                out.write(event.getKey() + "\t" + event.getValue() + "\t" + (appended == null ? "-" : appended * 1000)
                        + "\t" + (arrived == null ? "-" : arrived) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /**
     * The backlog written while MongoDB is unreachable and the source paused: then the source alone is resumed
     * and timed until Kafka has the backlog, then MongoDB comes back and the sink is timed until MongoDB has it.
     * The official sink is paused during the outage: with errors.tolerance=all it sends a batch that fails on a
     * timeout to the dead letter queue, which would empty the backlog instead of building it.
     */
    BacklogResult backlog(boolean pauseSink) throws Exception {
        System.out.println("backlog: " + options.backlog() + " events while MongoDB is unreachable");
        if (pauseSink) {
            pause(Stack.SINK);
        }
        pause(Stack.SOURCE);
        cluster.mongoProxy().cut();
        long kafkaBefore = topics.endOffsetTotal();
        Written written = writers.write(
                "backlog", Double.POSITIVE_INFINITY, 3_600_000L, options.backlog(), options.backlogBatch());
        committedTotal += written.count();
        writtenIds.addAll(written.commitMicros().keySet());
        System.out.printf(
                "  written %,d events at %.0f events/s; resuming the source%n",
                written.count(), written.eventsPerSecond());
        double[] beforeSource = cpu();
        long resumed = System.nanoTime();
        cluster.rest().call("PUT", "/connectors/" + Stack.SOURCE + "/resume", null, 60);
        Wait.until(
                "the backlog is on Kafka",
                Duration.ofSeconds(900),
                () -> topics.endOffsetTotal() >= kafkaBefore + written.count());
        double sourceRate = written.count() / ((System.nanoTime() - resumed) / 1e9);
        double[] afterSource = cpu();
        System.out.printf("  on Kafka at %.0f events/s; MongoDB back%n", sourceRate);
        arrivals.refresh();
        int commandsBefore = arrivals.commands();
        cluster.mongoProxy().heal();
        long healedMicros = TimedWriters.nowMicros();
        if (pauseSink) {
            cluster.rest().call("PUT", "/connectors/" + Stack.SINK + "/resume", null, 60);
        }
        int missing = awaitArrived(written, 900);
        double[] afterDrain = cpu();
        long firstArrival = Long.MAX_VALUE;
        long lastArrival = Long.MIN_VALUE;
        for (String id : written.commitMicros().keySet()) {
            Long arrived = arrivals.arrivalMicros(id);
            if (arrived != null) {
                firstArrival = Math.min(firstArrival, arrived);
                lastArrival = Math.max(lastArrival, arrived);
            }
        }
        int stored = written.count() - missing;
        double drainRate = stored / Math.max(1e-6, (lastArrival - firstArrival) / 1e6);
        ArrivalLog.ServerTime server = arrivals.serverTime(commandsBefore);
        BacklogResult result = new BacklogResult(
                written.count(),
                written.eventsPerSecond(),
                sourceRate,
                drainRate,
                (firstArrival - healedMicros) / 1000,
                missing,
                server.busyMicros() / Math.max(1.0, lastArrival - firstArrival),
                server.documentsPerCommand(),
                perThousand(beforeSource, afterSource, written.count()),
                perThousand(afterSource, afterDrain, written.count()));
        System.out.printf(
                "  drained at %.0f events/s, first write %d ms after MongoDB came back; MongoDB busy %.0f%% of"
                        + " the drain, %.0f documents a write%s%n",
                drainRate,
                result.firstWriteAfterMs(),
                100 * result.serverBusyShare(),
                result.documentsPerWrite(),
                missing > 0 ? ", " + missing + " MISSING" : "");
        return result;
    }

    /** CPU seconds used so far by the Connect worker, the broker, MongoDB and the source database's server. */
    private double[] cpu() {
        return new double[] {
            ProcessCpu.seconds(cluster.workers().get(0).process().pid()),
            ProcessCpu.seconds(cluster.kafka().node(1).process().pid()),
            cluster.mongoProcess() == null
                    ? Double.NaN
                    : ProcessCpu.seconds(cluster.mongoProcess().pid()),
            ProcessCpu.treeSeconds(databasePid)
        };
    }

    private static BacklogResult.Cpu perThousand(double[] before, double[] after, int events) {
        double scale = 1_000_000.0 / events; // seconds per event → ms per 1,000 events
        return new BacklogResult.Cpu(
                (after[0] - before[0]) * scale,
                (after[1] - before[1]) * scale,
                (after[2] - before[2]) * scale,
                (after[3] - before[3]) * scale);
    }

    private void pause(String connector) {
        cluster.rest().call("PUT", "/connectors/" + connector + "/pause", null, 60);
        Wait.until(
                connector + " is PAUSED",
                Duration.ofSeconds(60),
                () -> cluster.rest().allIn(connector, "PAUSED"));
    }

    /**
     * Waits until every event written so far is in MongoDB or in the dead letter queue (where the official sink
     * sends a batch that failed on a dropped connection); returns how many of this phase's are not in MongoDB.
     */
    private int awaitArrived(Written written, int timeoutSeconds) {
        Wait.within(
                Duration.ofSeconds(timeoutSeconds),
                () -> arrivals.refresh() + deadLetters.endOffsetTotal() >= committedTotal);
        arrivals.refresh();
        int missing = 0;
        for (String id : written.commitMicros().keySet()) {
            if (arrivals.arrivalMicros(id) == null) {
                missing++;
            }
        }
        return missing;
    }
}
