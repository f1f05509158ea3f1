package dev.outboxkit.chaos.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.SourceAndKafkaOptions;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.process.JvmProcess;
import dev.outboxkit.chaos.process.MongoProcess;
import dev.outboxkit.cli.Commands;
import dev.outboxkit.testkit.db.OutboxDdl;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench-pipeline.sh}: the real pipeline (MariaDB or PostgreSQL, Debezium, a KRaft broker, a Connect worker
 * in distributed mode, MongoDB) for each stack in turn, on a fresh cluster each, with the same workload: latency at
 * fixed offered rates, the rate with every stage running flat out, and the catch-up of a backlog built during a
 * MongoDB outage. Prints one table; exits 1 when any event committed with outboxkit did not reach MongoDB.
 */
public final class PipelineBenchmark {

    private PipelineBenchmark() {}

    record Options(
            List<String> stacks,
            String source,
            String kafka,
            List<Double> rates,
            int phaseSeconds,
            int backlog,
            int writers,
            int backlogBatch,
            int maxBatch,
            Map<String, String> sourceSettings,
            Map<String, String> sinkSettings,
            boolean peerStoresStrings,
            Path repository,
            int repeat,
            boolean jfr,
            String mongoGc,
            int pollingShards,
            boolean pollingWithoutBinlog,
            boolean cdcDeletesInTransaction) {

        /** The options, or the usage error (one line naming the option); help is handled by the caller. */
        static Options parse(String[] args) {
            return from(
                    Commands.parse("bench-pipeline.sh", new Arguments(), args).command());
        }

        static Options from(Arguments arguments) {
            return new Options(
                    List.copyOf(arguments.stacks),
                    arguments.sourceAndKafka.source(),
                    arguments.sourceAndKafka.kafka(),
                    List.copyOf(arguments.rates),
                    arguments.phaseSeconds,
                    arguments.backlog,
                    arguments.writers,
                    arguments.backlogBatch,
                    arguments.maxBatch,
                    new LinkedHashMap<>(arguments.sourceSettings),
                    new LinkedHashMap<>(arguments.sinkSettings),
                    arguments.peerStoresStrings,
                    Path.of(System.getProperty("outboxkit.repository", "."))
                            .toAbsolutePath()
                            .normalize(),
                    arguments.repeat,
                    arguments.jfr,
                    arguments.mongoGc,
                    arguments.pollingShards,
                    arguments.pollingWithoutBinlog,
                    arguments.cdcDeletesInTransaction);
        }
    }

    @Command(
            name = "bench-pipeline.sh",
            sortOptions = false,
            description = {
                "Runs the real pipeline for each stack in turn (a fresh broker, Connect worker, MongoDB and database each) with the",
                "same workload, and prints commit-to-MongoDB latency at each offered rate, the rate with every stage running flat",
                "out, and the catch-up of a backlog built during a MongoDB outage. The connectors are those of connect-configs/;",
                "--source-set and --sink-set change one setting of every stack's source or sink, to try a tuning. The peer's router",
                "expands the JSON payload (table.expand.json.payload=true), so that both stacks store the same document, with the",
                "payload as a sub-document; --peer-string-payloads leaves it a string, as Debezium's default does."
            })
    static final class Arguments implements Commands.Validated {
        @Option(
                names = "--stacks",
                split = ",",
                paramLabel = "outboxkit,polling,peer",
                description =
                        "the stacks to run, in this order (default outboxkit,peer): outboxkit (Debezium + the router"
                                + " + the sink), polling (outboxkit's polling source + the router + the sink), peer; a stack"
                                + " named twice runs twice, on fresh processes each time, as outboxkit-2 (an A/A comparison)")
        List<String> stacks = List.of("outboxkit", "peer");

        @Mixin
        SourceAndKafkaOptions sourceAndKafka = new SourceAndKafkaOptions();

        @Option(
                names = "--rates",
                split = ",",
                paramLabel = "200,1000,5000",
                description = "offered rates in events/s (default 200,1000,5000)")
        List<Double> rates = List.of(200.0, 1000.0, 5000.0);

        @Option(
                names = "--phase-seconds",
                paramLabel = "N",
                defaultValue = "30",
                description = "seconds per rate (default ${DEFAULT-VALUE})")
        int phaseSeconds;

        @Option(
                names = "--backlog",
                paramLabel = "N",
                defaultValue = "200000",
                description = "events built up during the outage (default ${DEFAULT-VALUE})")
        int backlog;

        @Option(
                names = "--writers",
                paramLabel = "N",
                defaultValue = "8",
                description = "writer threads (default ${DEFAULT-VALUE})")
        int writers;

        @Option(
                names = "--backlog-batch",
                paramLabel = "N",
                defaultValue = "50",
                description = "events per backlog transaction (default ${DEFAULT-VALUE})")
        int backlogBatch;

        @Option(
                names = "--max-batch",
                paramLabel = "N",
                defaultValue = "1",
                description = "events per transaction in the flat-out phase (default ${DEFAULT-VALUE}): where"
                        + " single-event writers are the limit, batched transactions measure the pipeline instead")
        int maxBatch;

        @Option(
                names = "--source-set",
                paramLabel = "KEY=VALUE",
                description = "one setting of every stack's source connector")
        Map<String, String> sourceSettings = new LinkedHashMap<>();

        @Option(
                names = "--sink-set",
                paramLabel = "KEY=VALUE",
                description = "one setting of every stack's sink connector")
        Map<String, String> sinkSettings = new LinkedHashMap<>();

        @Option(
                names = "--peer-string-payloads",
                description = "the peer stores payloads as strings, as Debezium's default does")
        boolean peerStoresStrings;

        @Option(
                names = "--repeat",
                paramLabel = "N",
                defaultValue = "1",
                description =
                        "runs of the stacks, alternating (outboxkit, peer, outboxkit, ...), each on fresh processes;"
                                + " with more than one, a table of every run's latency at each offered rate follows (default"
                                + " ${DEFAULT-VALUE})")
        int repeat;

        @Option(
                names = "--jfr",
                description = "every process of the run (workers, broker, MongoDB) records a flight recording (profile"
                        + " settings) and a GC log, in its run directory")
        boolean jfr;

        @Option(
                names = "--mongo-gc",
                paramLabel = "zgc|g1",
                defaultValue = "zgc",
                description = "the garbage collector of the in-process MongoDB server's JVM: zgc (default) collects"
                        + " concurrently; with g1 its young pauses, which grow with the documents it holds, stall every"
                        + " stack's writes (as before this option)")
        String mongoGc;

        @Option(
                names = "--polling-shards",
                paramLabel = "N",
                defaultValue = "1",
                description = "the polling stack's writers spread over N outbox tables (outbox, outbox_1, ...), each"
                        + " made from the shipped polling DDL with its own writers table, writer w into table w mod N"
                        + " (so an aggregate stays in one table), all of them in the polling source's tables, read by"
                        + " one task; the other stacks keep their one outbox table (default ${DEFAULT-VALUE})")
        int pollingShards;

        @Option(
                names = "--polling-without-binlog",
                description = "the polling stack's MariaDB runs without a binlog, which the polling source does not"
                        + " need (every other stack's server keeps the ROW binlog with full images that Debezium reads;"
                        + " without this option the polling stack's does too); MariaDB only")
        boolean pollingWithoutBinlog;

        @Option(
                names = "--cdc-deletes-in-transaction",
                description = "the writers of the stacks that read the database log (outboxkit, peer) delete each"
                        + " transaction's outbox rows before it commits, as Debezium's outbox examples do to keep the"
                        + " table empty (the log holds the insert and the delete; the routers drop deletes). Without"
                        + " this option their outbox table only grows; the polling stack's writers never delete (its"
                        + " source deletes emitted rows in batches)")
        boolean cdcDeletesInTransaction;

        @Override
        public void validate() {
            sourceAndKafka.validate();
            for (String stack : stacks) {
                if (!Stack.NAMES.contains(stack)) {
                    throw new IllegalArgumentException(
                            "--stacks takes " + String.join(", ", Stack.NAMES) + ", not '" + stack + "'");
                }
            }
            for (double rate : rates) {
                if (!(rate > 0)) {
                    throw new IllegalArgumentException("--rates needs positive numbers, not " + rate);
                }
            }
            positive("--phase-seconds", phaseSeconds);
            positive("--backlog", backlog);
            positive("--writers", writers);
            positive("--backlog-batch", backlogBatch);
            positive("--max-batch", maxBatch);
            positive("--repeat", repeat);
            positive("--polling-shards", pollingShards);
            if (pollingShards > writers) {
                throw new IllegalArgumentException("--polling-shards " + pollingShards
                        + " leaves tables without a writer" + " (--writers " + writers + ")");
            }
            if (pollingWithoutBinlog && !sourceAndKafka.source().equals("mariadb")) {
                throw new IllegalArgumentException(
                        "--polling-without-binlog is for --source mariadb (PostgreSQL has no binlog)");
            }
            if (!mongoGc.equals("zgc") && !mongoGc.equals("g1")) {
                throw new IllegalArgumentException("--mongo-gc must be zgc or g1, not '" + mongoGc + "'");
            }
        }

        private static void positive(String option, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(option + " needs a positive number, not " + value);
            }
        }
    }

    /**
     * Everything measured for one stack. deadLettered: records its sink sent to the dead letter queue; written: events
     * committed over the whole run (warm-up included); stored: how many of those MongoDB holds, counted by id in
     * MongoDB itself after the run (not from the arrival log, which sees write commands, not what they stored).
     */
    record StackResult(
            String stack,
            List<PhaseResult> phases,
            BacklogResult backlog,
            long deadLettered,
            long written,
            long stored,
            List<String> notStoredExamples,
            String loadAverage) {

        /** Events of the measured phases with no arrival seen (the latency measurements lack them). */
        long missing() {
            return backlog.missing()
                    + phases.stream().mapToLong(PhaseResult::missing).sum();
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
        Options options = Options.from(Commands.parseOrExit("bench-pipeline.sh", new Arguments(), args));
        System.out.println(
                "Pipeline benchmark: " + options.stacks() + " from " + options.source() + ", Kafka " + options.kafka()
                        + ", rates " + options.rates() + " events/s for " + options.phaseSeconds() + " s each, backlog "
                        + options.backlog() + ", " + options.writers() + " writers, MongoDB server GC "
                        + options.mongoGc()
                        + (options.pollingShards() > 1
                                ? ", the polling stack over " + options.pollingShards() + " outbox tables"
                                : "")
                        + (options.pollingWithoutBinlog() ? ", the polling stack's MariaDB without a binlog" : "")
                        + (options.cdcDeletesInTransaction()
                                ? ", the log readers' writers deleting their outbox rows in the transaction"
                                : ""));
        System.setProperty(MongoProcess.GC_PROPERTY, options.mongoGc());
        if (options.jfr()) {
            System.setProperty(JvmProcess.PROFILE_PROPERTY, "true");
        }
        List<Map<String, StackResult>> runs = new ArrayList<>();
        for (int run = 1; run <= options.repeat(); run++) {
            Map<String, StackResult> results = new LinkedHashMap<>();
            for (String stack : options.stacks()) {
                String label = label(results.keySet(), stack);
                results.put(label, runStack(options, stack, label, options.repeat() > 1 ? "-run" + run : ""));
            }
            runs.add(results);
            System.out.println();
            if (options.repeat() > 1) {
                System.out.println("Run " + run + " of " + options.repeat() + ":");
            }
            System.out.println(BenchReport.render(options, results));
        }
        if (options.repeat() > 1) {
            System.out.println(BenchReport.renderRuns(runs));
        }
        // outboxkit's stacks (Debezium or polling) must store every event and dead-letter none; the peer's losses (to
        // its dead letter queue) are its result, reported above.
        boolean incomplete = false;
        for (Map<String, StackResult> results : runs) {
            for (StackResult ours : results.values()) {
                if (!isPeer(ours.stack()) && !ours.complete()) {
                    incomplete = true;
                    report(ours);
                }
            }
        }
        System.exit(incomplete ? 1 : 0);
    }

    /** Whether results under this label are the peer stack's (whose losses are its result, not a failure). */
    static boolean isPeer(String label) {
        return label.equals("peer") || label.startsWith("peer-");
    }

    private static void report(StackResult ours) {
        System.out.printf(
                "%s: %,d events committed, %,d of them in MongoDB (counted by id), %,d not stored%s, %,d without"
                        + " an arrival in the measurements, %,d records dead-lettered%n",
                ours.stack(),
                ours.written(),
                ours.stored(),
                ours.notStored(),
                ours.notStoredExamples().isEmpty() ? "" : " (e.g. " + String.join(", ", ours.notStoredExamples()) + ")",
                ours.missing(),
                ours.deadLettered());
    }

    /**
     * The name a stack's results go by in one run: its own, or with "-2", "-3" ... when the same stack runs again in
     * the run ({@code --stacks outboxkit,outboxkit}, an A/A comparison that shows how far two identical stacks differ).
     */
    static String label(Collection<String> taken, String stack) {
        String label = stack;
        for (int n = 2; taken.contains(label); n++) {
            label = stack + "-" + n;
        }
        return label;
    }

    /** Whether the stack's MariaDB keeps its binlog: Debezium reads it; the polling source needs none. */
    static boolean keepsBinlog(Options options, String stackName) {
        return !(Stack.polls(stackName) && options.pollingWithoutBinlog());
    }

    /** Whether the stack's writers delete their outbox rows in the inserting transaction (log readers only). */
    static boolean deletesInTransaction(Options options, String stackName) {
        return options.cdcDeletesInTransaction() && !Stack.polls(stackName);
    }

    static StackResult runStack(Options options, String stackName, String label, String runSuffix) throws Exception {
        Path runDirectory = options.repository()
                .resolve("testing/chaos/harness/target/bench/" + label + "-" + options.source() + runSuffix);
        Cluster.prepareRunDirectory(runDirectory);
        Path arrivals = runDirectory.resolve("arrivals.log");
        System.out.println();
        System.out.println("== " + label + ": starting the cluster (logs in " + runDirectory + ")");
        try (Cluster cluster = new Cluster(
                        options.repository(),
                        runDirectory,
                        options.kafka(),
                        options.source(),
                        keepsBinlog(options, stackName),
                        Stack.polls(stackName),
                        null,
                        1,
                        1,
                        arrivals);
                TopicTimes topics = new TopicTimes(cluster.kafka().bootstrapServers(), Stack.TOPICS);
                TopicTimes deadLetters = new TopicTimes(cluster.kafka().bootstrapServers(), List.of(Stack.DLQ))) {
            Stack stack = Stack.of(stackName, options.repository(), cluster)
                    .withSourceSetting("topic.creation.default.message.timestamp.type", "LogAppendTime");
            if (stackName.equals("peer") && !options.peerStoresStrings()) {
                // The same document as outboxkit's: the payload as a sub-document, not a JSON string.
                stack.withSourceSetting("transforms.outbox.table.expand.json.payload", "true");
            }
            boolean sharded = Stack.polls(stackName) && options.pollingShards() > 1;
            if (sharded) {
                createShards(cluster, options);
                pollingShardSettings(cluster.database().isPostgres(), options.pollingShards())
                        .forEach(stack::withSourceSetting);
            }
            options.sourceSettings().forEach(stack::withSourceSetting);
            options.sinkSettings().forEach(stack::withSinkSetting);
            stack.register(cluster.rest());
            StackRun run = new StackRun(
                    cluster,
                    topics,
                    deadLetters,
                    new ArrivalLog(arrivals),
                    sharded
                            ? new TimedWriters(
                                    cluster.database(),
                                    Cluster.DATABASE,
                                    options.writers(),
                                    shardShape(options.pollingShards()),
                                    false)
                            : new TimedWriters(
                                    cluster.database(),
                                    Cluster.DATABASE,
                                    options.writers(),
                                    TimedWriters::event,
                                    deletesInTransaction(options, stackName)),
                    options,
                    runDirectory);
            run.warmUp();
            List<PhaseResult> phases = new ArrayList<>();
            for (double rate : options.rates()) {
                phases.add(run.phase(String.format("r%.0f", rate), rate, 1));
            }
            phases.add(run.phase("max", Double.POSITIVE_INFINITY, options.maxBatch()));
            BacklogResult backlog = run.backlog(stackName.equals("peer"));
            List<String> notStored = notStored(cluster.mongo().getDatabase(Stack.MONGO_DATABASE), run.writtenIds());
            System.out.println("  load average: " + BenchReport.loadAverage());
            System.out.printf(
                    "  after the run: %,d events committed, %,d in MongoDB (counted by id), %,d dead-lettered; %,d"
                            + " transactions retried after a deadlock%n",
                    run.writtenIds().size(),
                    run.writtenIds().size() - notStored.size(),
                    deadLetters.endOffsetTotal(),
                    run.writerRetries());
            return new StackResult(
                    label,
                    phases,
                    backlog,
                    deadLetters.endOffsetTotal(),
                    run.writtenIds().size(),
                    run.writtenIds().size() - notStored.size(),
                    notStored.stream().limit(5).toList(),
                    BenchReport.loadAverage());
        }
    }

    /**
     * The polling stack's shards beyond the cluster's {@code outbox}: {@code outbox_1} ... (the names of
     * {@link GrowthBenchmark#table}), each from the shipped polling DDL, so each with its own writers table and
     * trigger.
     */
    private static void createShards(Cluster cluster, Options options) throws java.sql.SQLException {
        Path configs = options.repository().resolve("connect-configs");
        for (int i = 1; i < options.pollingShards(); i++) {
            cluster.database()
                    .execute(
                            Cluster.DATABASE,
                            OutboxDdl.statements(configs, cluster.database().isPostgres(), GrowthBenchmark.table(i))
                                    .toArray(String[]::new));
        }
    }

    /**
     * The polling source's settings for the shards: every table in {@code tables}, read by one task. One task, as the
     * Debezium path has one: the relay is not the limit (one task read a single table's backlog at 1.7x the Debezium
     * path's rate, for a few ms of database CPU per 1,000 events), a poll reads every table of its task in turn, and
     * more tasks would each bring their own transactional producer and idle polls onto the two shared cores.
     * {@code --source-set tasks.max=N} overrides it.
     */
    static Map<String, String> pollingShardSettings(boolean postgres, int shards) {
        String schema = postgres ? "public" : Cluster.DATABASE;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(
                "tables",
                IntStream.range(0, shards)
                        .mapToObj(i -> schema + "." + GrowthBenchmark.table(i))
                        .collect(Collectors.joining(",")));
        settings.put("tasks.max", "1");
        return settings;
    }

    /**
     * The writers' events as usual ({@link TimedWriters#event}), writer w's transactions into shard w mod shards: an
     * aggregate is written by one writer, so all its events go to one table and keep their commit order there (unlike
     * the growth benchmark's spread, which deals consecutive events to consecutive tables).
     */
    static TimedWriters.Shape shardShape(int shards) {
        return new TimedWriters.Shape() {
            @Override
            public Event event(String phase, int writer, int sequence) {
                return TimedWriters.event(phase, writer, sequence);
            }

            @Override
            public String table(int writer, int sequence) {
                return GrowthBenchmark.table(writer % shards);
            }
        };
    }

    /**
     * The ids of the written events MongoDB does not hold: every id of the event collections read once (one scan per
     * collection) and the written ids looked up in that set.
     */
    static List<String> notStored(MongoDatabase database, Collection<String> written) {
        Set<String> stored = new HashSet<>();
        for (String collection : database.listCollectionNames()) {
            if (collection.startsWith("outbox.event.")) {
                database.getCollection(collection)
                        .find()
                        .projection(new org.bson.Document("_id", 1))
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
