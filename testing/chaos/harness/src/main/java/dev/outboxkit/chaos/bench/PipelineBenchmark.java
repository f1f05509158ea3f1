package dev.outboxkit.chaos.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.chaos.Await;
import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.bench.TimedWriters.Written;

/**
 * {@code ./bench-pipeline.sh}: the real pipeline (MariaDB or PostgreSQL, Debezium, a KRaft broker, a Connect worker
 * in distributed mode, MongoDB) for each stack in turn, on a fresh cluster each, with the same workload: latency at
 * fixed offered rates, the rate with every stage running flat out, and the catch-up of a backlog built during a
 * MongoDB outage. Prints one table; exits 1 when any event committed with outboxkit did not reach MongoDB.
 */
public final class PipelineBenchmark {

    private PipelineBenchmark() {
    }

    record Options(List<String> stacks, String source, String kafka, List<Double> rates, int phaseSeconds, int backlog,
                   int writers, int backlogBatch, Map<String, String> sourceSettings, Map<String, String> sinkSettings,
                   boolean peerStoresStrings, Path repository) {

        static Options parse(String[] args) {
            List<String> stacks = List.of("outboxkit", "peer");
            String source = "mariadb";
            String kafka = "4.3";
            List<Double> rates = List.of(200.0, 1000.0, 5000.0);
            int phaseSeconds = 30;
            int backlog = 200_000;
            int writers = 8;
            int backlogBatch = 50;
            Map<String, String> sourceSettings = new LinkedHashMap<>();
            Map<String, String> sinkSettings = new LinkedHashMap<>();
            boolean peerStoresStrings = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--help") || args[i].equals("-h")) {
                    System.out.println(HELP);
                    System.exit(0);
                }
                if (args[i].equals("--peer-string-payloads")) {
                    peerStoresStrings = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Option " + args[i] + " needs a value\n" + HELP);
                }
                String value = args[++i];
                switch (args[i - 1]) {
                    case "--stacks" -> stacks = List.of(value.split(","));
                    case "--source" -> source = value;
                    case "--kafka" -> kafka = value;
                    case "--rates" -> rates = Arrays.stream(value.split(",")).map(Double::parseDouble).toList();
                    case "--phase-seconds" -> phaseSeconds = Integer.parseInt(value);
                    case "--backlog" -> backlog = Integer.parseInt(value);
                    case "--writers" -> writers = Integer.parseInt(value);
                    case "--backlog-batch" -> backlogBatch = Integer.parseInt(value);
                    case "--source-set" -> setting(sourceSettings, value);
                    case "--sink-set" -> setting(sinkSettings, value);
                    default -> throw new IllegalArgumentException("Unknown option " + args[i - 1] + "\n" + HELP);
                }
            }
            for (String stack : stacks) {
                if (!stack.equals("outboxkit") && !stack.equals("peer")) {
                    throw new IllegalArgumentException("--stacks takes outboxkit and/or peer, not " + stack);
                }
            }
            if (!source.equals("mariadb") && !source.equals("postgres")) {
                throw new IllegalArgumentException("--source must be mariadb or postgres");
            }
            if (!kafka.equals("3.9") && !kafka.equals("4.3")) {
                throw new IllegalArgumentException("--kafka must be 3.9 or 4.3");
            }
            return new Options(stacks, source, kafka, rates, phaseSeconds, backlog, writers, backlogBatch, sourceSettings, sinkSettings,
                    peerStoresStrings, Path.of(System.getProperty("outboxkit.repository", ".")).toAbsolutePath().normalize());
        }

        private static void setting(Map<String, String> settings, String keyValue) {
            int equals = keyValue.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("A setting is KEY=VALUE, not " + keyValue);
            }
            settings.put(keyValue.substring(0, equals), keyValue.substring(equals + 1));
        }
    }

    static final String HELP = """
            ./bench-pipeline.sh [--stacks outboxkit,peer] [--source mariadb|postgres] [--kafka 4.3|3.9]
                                [--rates 200,1000,5000] [--phase-seconds 30] [--backlog 200000] [--writers 8] [--backlog-batch 50]
                                [--source-set KEY=VALUE]... [--sink-set KEY=VALUE]... [--peer-string-payloads]
            Runs the real pipeline for each stack in turn (a fresh broker, Connect worker, MongoDB and database each) with the
            same workload, and prints commit-to-MongoDB latency at each offered rate, the rate with every stage running flat
            out, and the catch-up of a backlog built during a MongoDB outage. The connectors are those of connect-configs/;
            --source-set and --sink-set change one setting of every stack's source or sink, to try a tuning. The peer's router
            expands the JSON payload (table.expand.json.payload=true), so that both stacks store the same document, with the
            payload as a sub-document; --peer-string-payloads leaves it a string, as Debezium's default does.""";

    /**
     * Everything measured for one stack. deadLettered: records its sink sent to the dead letter queue; written: events
     * committed over the whole run (warm-up included); stored: how many of those MongoDB holds, counted by id in
     * MongoDB itself after the run (not from the arrival log, which sees write commands, not what they stored).
     */
    record StackResult(String stack, List<PhaseResult> phases, BacklogResult backlog, long deadLettered, long written, long stored,
                       List<String> notStoredExamples) {

        /** Events of the measured phases with no arrival seen (the latency measurements lack them). */
        long missing() {
            return backlog.missing() + phases.stream().mapToLong(PhaseResult::missing).sum();
        }

        long notStored() {
            return written - stored;
        }

        /** Nothing missing, nothing dead-lettered, every committed event counted in MongoDB. */
        boolean complete() {
            return missing() == 0 && deadLettered == 0 && notStored() == 0;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.println("Pipeline benchmark: " + options.stacks() + " from " + options.source() + ", Kafka " + options.kafka()
                + ", rates " + options.rates() + " events/s for " + options.phaseSeconds() + " s each, backlog "
                + options.backlog() + ", " + options.writers() + " writers");
        Map<String, StackResult> results = new LinkedHashMap<>();
        for (String stack : options.stacks()) {
            results.put(stack, runStack(options, stack));
        }
        System.out.println();
        System.out.println(BenchReport.render(options, results));
        // outboxkit must store every event and dead-letter none; the peer's losses (to its dead letter queue) are its
        // result, reported above.
        StackResult ours = results.get("outboxkit");
        if (ours != null && !ours.complete()) {
            System.out.printf("outboxkit: %,d events committed, %,d of them in MongoDB (counted by id), %,d not stored%s, %,d without"
                            + " an arrival in the measurements, %,d records dead-lettered%n", ours.written(), ours.stored(),
                    ours.notStored(), ours.notStoredExamples().isEmpty() ? "" : " (e.g. " + String.join(", ", ours.notStoredExamples())
                            + ")", ours.missing(), ours.deadLettered());
        }
        System.exit(ours != null && !ours.complete() ? 1 : 0);
    }

    static StackResult runStack(Options options, String stackName) throws Exception {
        Path runDirectory = options.repository().resolve("testing/chaos/harness/target/bench/" + stackName + "-" + options.source());
        Cluster.prepareRunDirectory(runDirectory);
        Path arrivals = runDirectory.resolve("arrivals.log");
        System.out.println();
        System.out.println("== " + stackName + ": starting the cluster (logs in " + runDirectory + ")");
        try (Cluster cluster = new Cluster(options.repository(), runDirectory, options.kafka(), options.source(), null, 1, 1, arrivals);
             TopicTimes topics = new TopicTimes(cluster.kafka().bootstrapServers(), Stack.TOPICS);
             TopicTimes deadLetters = new TopicTimes(cluster.kafka().bootstrapServers(), List.of(Stack.DLQ))) {
            Stack stack = Stack.of(stackName, options.repository(), cluster)
                    .withSourceSetting("topic.creation.default.message.timestamp.type", "LogAppendTime");
            if (stackName.equals("peer") && !options.peerStoresStrings()) {
                // The same document as outboxkit's: the payload as a sub-document, not a JSON string.
                stack.withSourceSetting("transforms.outbox.table.expand.json.payload", "true");
            }
            options.sourceSettings().forEach(stack::withSourceSetting);
            options.sinkSettings().forEach(stack::withSinkSetting);
            stack.register(cluster.rest());
            Run run = new Run(cluster, topics, deadLetters, new ArrivalLog(arrivals),
                    new TimedWriters(cluster.database(), Cluster.DATABASE, options.writers()), options);
            run.warmUp();
            List<PhaseResult> phases = new ArrayList<>();
            for (double rate : options.rates()) {
                phases.add(run.phase(String.format("r%.0f", rate), rate));
            }
            phases.add(run.phase("max", Double.POSITIVE_INFINITY));
            BacklogResult backlog = run.backlog(stackName.equals("peer"));
            List<String> notStored = notStored(cluster.mongo().getDatabase(Stack.MONGO_DATABASE), run.writtenIds());
            System.out.printf("  after the run: %,d events committed, %,d in MongoDB (counted by id), %,d dead-lettered%n",
                    run.writtenIds().size(), run.writtenIds().size() - notStored.size(), deadLetters.endOffsetTotal());
            return new StackResult(stackName, phases, backlog, deadLetters.endOffsetTotal(), run.writtenIds().size(),
                    run.writtenIds().size() - notStored.size(), notStored.stream().limit(5).toList());
        }
    }

    /**
     * The ids of the written events MongoDB does not hold: every id of the event collections read once (one scan per
     * collection) and the written ids looked up in that set.
     */
    static List<String> notStored(MongoDatabase database, Collection<String> written) {
        Set<String> stored = new HashSet<>();
        for (String collection : database.listCollectionNames()) {
            if (collection.startsWith("outbox.event.")) {
                database.getCollection(collection).find().projection(new org.bson.Document("_id", 1))
                        .forEach(document -> stored.add(String.valueOf(document.get("_id"))));
            }
        }
        List<String> missing = new ArrayList<>();
        for (String id : written) {
            if (!stored.contains(id)) {
                missing.add(id);
            }
        }
        return missing;
    }

    /** The phases of one stack on its cluster. */
    static final class Run {

        private static final long ALL = Long.MAX_VALUE;

        private final Cluster cluster;
        private final TopicTimes topics;
        private final TopicTimes deadLetters;
        private final ArrivalLog arrivals;
        private final TimedWriters writers;
        private final Options options;
        private long committedTotal;
        private final List<String> writtenIds = new ArrayList<>();

        Run(Cluster cluster, TopicTimes topics, TopicTimes deadLetters, ArrivalLog arrivals, TimedWriters writers, Options options) {
            this.cluster = cluster;
            this.topics = topics;
            this.deadLetters = deadLetters;
            this.arrivals = arrivals;
            this.writers = writers;
            this.options = options;
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

        PhaseResult phase(String name, double rate) throws InterruptedException {
            System.out.println("phase " + name + ": " + (Double.isInfinite(rate) ? "as fast as the writers go" : rate + " events/s")
                    + " for " + options.phaseSeconds() + " s");
            long kafkaBefore = topics.endOffsetTotal();
            arrivals.refresh();
            int commandsBefore = arrivals.commands();
            List<long[]> samples = new ArrayList<>();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    arrivals.refresh();
                    samples.add(new long[] {System.nanoTime(), writers.committed(), arrivals.arrived()});
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sampler");
            sampler.start();
            Written written = writers.write(name, rate, options.phaseSeconds() * 1000L, ALL, 1);
            sampler.interrupt();
            sampler.join();
            double seconds = (written.endedMicros() - written.startedMicros()) / 1e6;
            long kafkaAfter = topics.endOffsetTotal();
            committedTotal += written.count();
            writtenIds.addAll(written.commitMicros().keySet());
            int missing = awaitArrived(written, 180);
            PhaseResult result = measure(written, rate, samples, (kafkaAfter - kafkaBefore) / seconds, missing,
                    arrivals.serverTime(commandsBefore));
            System.out.printf("  committed %,d (%.0f events/s), p50 %.1f ms, p99 %.1f ms, max %.1f ms, backlog slope %.0f events/s;"
                            + " MongoDB server per write p50 %.1f ms p99 %.1f ms, %.0f documents a write%s%n",
                    written.count(), result.achieved(), result.total().p50Ms(), result.total().p99Ms(), result.total().maxMs(),
                    result.backlogSlope(), result.server().perCommand().p50Ms(), result.server().perCommand().p99Ms(),
                    result.server().documentsPerCommand(), missing > 0 ? ", " + missing + " MISSING" : "");
            return result;
        }

        private PhaseResult measure(Written written, double offered, List<long[]> samples, double kafkaRate, int missing,
                                    ArrivalLog.ServerTime server) {
            topics.catchUp();
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
            return new PhaseResult(written.phase(), offered, written.eventsPerSecond(), Latency.of(Arrays.copyOf(total, n)),
                    Latency.of(Arrays.copyOf(toKafka, staged)), Latency.of(Arrays.copyOf(fromKafka, staged)),
                    backlogSlope(samples), kafkaRate, (last - first) / seconds, missing, server);
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
            Written written = writers.write("backlog", Double.POSITIVE_INFINITY, 3_600_000L, options.backlog(), options.backlogBatch());
            committedTotal += written.count();
            writtenIds.addAll(written.commitMicros().keySet());
            System.out.printf("  written %,d events at %.0f events/s; resuming the source%n", written.count(), written.eventsPerSecond());
            double[] beforeSource = cpu();
            long resumed = System.nanoTime();
            cluster.rest().call("PUT", "/connectors/" + Stack.SOURCE + "/resume", null, 60);
            Await.until("the backlog is on Kafka", 900, () -> topics.endOffsetTotal() >= kafkaBefore + written.count());
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
            BacklogResult result = new BacklogResult(written.count(), written.eventsPerSecond(), sourceRate, drainRate,
                    (firstArrival - healedMicros) / 1000, missing,
                    server.busyMicros() / Math.max(1.0, lastArrival - firstArrival), server.documentsPerCommand(),
                    perThousand(beforeSource, afterSource, written.count()), perThousand(afterSource, afterDrain, written.count()));
            System.out.printf("  drained at %.0f events/s, first write %d ms after MongoDB came back; MongoDB busy %.0f%% of"
                            + " the drain, %.0f documents a write%s%n", drainRate, result.firstWriteAfterMs(),
                    100 * result.serverBusyShare(), result.documentsPerWrite(), missing > 0 ? ", " + missing + " MISSING" : "");
            return result;
        }

        /** CPU seconds used so far by the Connect worker, the broker and MongoDB. */
        private double[] cpu() {
            return new double[] {ProcessCpu.seconds(cluster.workers().get(0).process().pid()),
                    ProcessCpu.seconds(cluster.kafka().node(1).process().pid()),
                    cluster.mongoProcess() == null ? Double.NaN : ProcessCpu.seconds(cluster.mongoProcess().pid())};
        }

        private static BacklogResult.Cpu perThousand(double[] before, double[] after, int events) {
            double scale = 1_000_000.0 / events; // seconds per event → ms per 1,000 events
            return new BacklogResult.Cpu((after[0] - before[0]) * scale, (after[1] - before[1]) * scale, (after[2] - before[2]) * scale);
        }

        private void pause(String connector) {
            cluster.rest().call("PUT", "/connectors/" + connector + "/pause", null, 60);
            Await.until(connector + " is PAUSED", 60, () -> cluster.rest().allIn(connector, "PAUSED"));
        }

        /**
         * Waits until every event written so far is in MongoDB or in the dead letter queue (where the official sink
         * sends a batch that failed on a dropped connection); returns how many of this phase's are not in MongoDB.
         */
        private int awaitArrived(Written written, int timeoutSeconds) {
            Await.within(timeoutSeconds * 1000L, () -> arrivals.refresh() + deadLetters.endOffsetTotal() >= committedTotal);
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

    /**
     * The slope (events/s per second) of the backlog, committed minus arrived, by least squares over the second half
     * of the samples: near 0 when the pipeline keeps up, the shortfall in events/s when it does not.
     */
    static double backlogSlope(List<long[]> samples) {
        List<long[]> half = samples.subList(samples.size() / 2, samples.size());
        if (half.size() < 3) {
            return 0;
        }
        double n = half.size();
        double meanT = half.stream().mapToDouble(s -> s[0] / 1e9).sum() / n;
        double meanB = half.stream().mapToDouble(s -> s[1] - s[2]).sum() / n;
        double cov = 0;
        double var = 0;
        for (long[] sample : half) {
            double t = sample[0] / 1e9 - meanT;
            cov += t * ((sample[1] - sample[2]) - meanB);
            var += t * t;
        }
        return var == 0 ? 0 : cov / var;
    }
}
