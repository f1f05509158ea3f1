package dev.outboxkit.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outboxkit.chaos.check.Checker;
import dev.outboxkit.chaos.check.RecoveryMonitor;
import dev.outboxkit.chaos.check.TaskWatcher;
import dev.outboxkit.chaos.faults.FaultInjector;
import dev.outboxkit.chaos.faults.FaultKind;
import dev.outboxkit.chaos.faults.FaultSchedule;
import dev.outboxkit.chaos.workload.Workload;
import dev.outboxkit.cli.Commands;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.FencingRestarts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./chaos.sh}: starts the cluster, registers a stack, runs the workload under the seeded fault schedule,
 * drains, checks the invariants and prints the run's table row. Exits 1 when an invariant is broken, a fault was not
 * verified (not injected, its effect not seen, or the system not seen back), or a task was seen FAILED during the run.
 */
public final class ChaosMain {

    private ChaosMain() {}

    /** The command line. */
    record Options(
            double minutes,
            long seed,
            String stack,
            String kafka,
            String source,
            String mongoUri,
            double rate,
            int faults,
            int brokers,
            Path repository) {

        /** The options, or the usage error (one line naming the option); help is handled by the caller. */
        static Options parse(String[] args) {
            return from(Commands.parse("chaos.sh", new Arguments(), args).command());
        }

        static Options from(Arguments arguments) {
            int faults = arguments.faults >= 0
                    ? arguments.faults
                    : Math.max(
                            FaultKind.forBrokers(arguments.brokers).size(), (int) Math.round(arguments.minutes * 3.2));
            long seed = arguments.seed != null ? arguments.seed : System.currentTimeMillis() % 100_000;
            return new Options(
                    arguments.minutes,
                    seed,
                    arguments.stack,
                    arguments.sourceAndKafka.kafka(),
                    arguments.sourceAndKafka.source(),
                    arguments.mongoUri,
                    arguments.rate,
                    faults,
                    arguments.brokers,
                    Path.of(System.getProperty("outboxkit.repository", "."))
                            .toAbsolutePath()
                            .normalize());
        }
    }

    @Command(
            name = "chaos.sh",
            sortOptions = false,
            description = {
                "Runs the pipeline as real processes (one KRaft broker or three, three Connect workers, MongoDB, the database) under a seeded",
                "schedule of overlapping faults, then checks that every committed event is in MongoDB exactly once."
            })
    static final class Arguments implements Commands.Validated {
        @Option(
                names = "--minutes",
                paramLabel = "M",
                defaultValue = "10",
                description = "how long the faults run (default ${DEFAULT-VALUE})")
        double minutes;

        @Option(names = "--seed", paramLabel = "S", description = "the fault schedule's seed (default: from the clock)")
        Long seed;

        @Option(
                names = "--stack",
                paramLabel = "outboxkit|polling|peer",
                defaultValue = "outboxkit",
                description = "outboxkit (Debezium + the router + the sink), polling (outboxkit's polling source + the"
                        + " router + the sink), or Debezium's EventRouter + the official MongoDB sink (default"
                        + " ${DEFAULT-VALUE})")
        String stack;

        @Mixin
        SourceAndKafkaOptions sourceAndKafka = new SourceAndKafkaOptions();

        @Option(
                names = "--mongo-uri",
                paramLabel = "URI",
                description = "a MongoDB to use instead of the in-JVM server process")
        String mongoUri;

        @Option(
                names = "--rate",
                paramLabel = "EVENTS_PER_S",
                defaultValue = "40",
                description = "the workload's rate (default ${DEFAULT-VALUE})")
        double rate;

        @Option(
                names = "--faults",
                paramLabel = "N",
                defaultValue = "-1",
                description = "faults to inject (default: about 3 a minute)")
        int faults;

        @Option(
                names = "--brokers",
                paramLabel = "1|3",
                defaultValue = "1",
                description =
                        "Kafka brokers: 1, or 3 (replication factor 3, min.insync.replicas 2, broker faults) (default ${DEFAULT-VALUE})")
        int brokers;

        @Override
        public void validate() {
            sourceAndKafka.validate();
            if (!(minutes > 0)) {
                throw new IllegalArgumentException("--minutes needs a positive number, not " + minutes);
            }
            if (!(rate > 0)) {
                throw new IllegalArgumentException("--rate needs a positive number, not " + rate);
            }
            if (!Stack.NAMES.contains(stack)) {
                throw new IllegalArgumentException(
                        "--stack must be " + String.join(", ", Stack.NAMES) + ", not '" + stack + "'");
            }
            if (brokers != 1 && brokers != 3) {
                throw new IllegalArgumentException("--brokers must be 1 or 3, not " + brokers);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.from(Commands.parseOrExit("chaos.sh", new Arguments(), args));
        int exit = run(options);
        System.exit(exit);
    }

    static int run(Options options) throws Exception {
        double activeSeconds = Math.max(30, options.minutes() * 60 - 20);
        FaultSchedule schedule = FaultSchedule.plan(
                        options.seed(), activeSeconds, options.faults(), FaultKind.forBrokers(options.brokers()))
                .thenAtTheEnd(FaultKind.endingTheRun(options.brokers()), activeSeconds);
        System.out.println(
                "Chaos run: stack " + options.stack() + ", Kafka " + options.kafka() + " (" + options.brokers()
                        + (options.brokers() == 1 ? " broker)" : " brokers)") + ", source " + options.source()
                        + ", " + options.minutes() + " min, " + options.rate() + " events/s, seed " + options.seed());
        System.out.print(schedule);
        Path runDirectory = options.repository()
                .resolve("testing/chaos/harness/target/runs/run-" + options.seed() + "-" + options.stack() + "-"
                        + options.kafka() + "-" + options.source()
                        + (options.brokers() == 1 ? "" : "-" + options.brokers() + "brokers"));
        Cluster.prepareRunDirectory(runDirectory);
        System.out.println("Process logs: " + runDirectory);

        List<String> events = new CopyOnWriteArrayList<>();
        try (Cluster cluster = new Cluster(
                options.repository(),
                runDirectory,
                options.kafka(),
                options.source(),
                Stack.polls(options.stack()),
                options.mongoUri(),
                options.brokers())) {
            Stack stack = Stack.of(options.stack(), options.repository(), cluster);
            stack.register(cluster.rest());
            Checker checker = new Checker(cluster);
            Workload workload = new Workload(cluster.database(), Cluster.DATABASE, 4, options.rate(), options.seed());
            workload.start();
            Wait.until("the first events are in MongoDB", Duration.ofSeconds(180), () -> checker.storedCount() > 0);
            List<String> replicationProblems = replicationProblems(cluster, options.stack());
            FaultInjector injector = new FaultInjector(cluster, workload, events);
            long startedAt = System.currentTimeMillis();
            FencingRestarts fencingRestarts = new FencingRestarts(cluster.rest());
            try (RecoveryMonitor recovery = new RecoveryMonitor(cluster.mongo().getDatabase(Stack.MONGO_DATABASE));
                    TaskWatcher tasks =
                            new TaskWatcher(cluster.rest(), fencingRestarts, List.of(Stack.SOURCE, Stack.SINK))) {
                injector.onEnd(
                        fault -> recovery.track(fault.planned().number(), fault.endedAtMs(), workload.committedIds()));
                List<Thread> faultThreads = new ArrayList<>();
                for (FaultSchedule.Planned fault : schedule.faults()) {
                    Thread thread = new Thread(
                            () -> {
                                long wait =
                                        startedAt + (long) (fault.startSeconds() * 1000) - System.currentTimeMillis();
                                if (wait > 0) {
                                    Wait.sleep(Duration.ofMillis(wait));
                                }
                                injector.inject(fault);
                            },
                            "fault-" + fault.number());
                    faultThreads.add(thread);
                    thread.start();
                }
                long endOfLoad = startedAt + (long) (options.minutes() * 60_000);
                Wait.sleep(Duration.ofMillis(Math.max(0, endOfLoad - System.currentTimeMillis())));
                for (Thread thread : faultThreads) {
                    thread.join();
                }
                schedule.ending().forEach(injector::inject);
                workload.stop();
                long committed = checker.committedCount();
                System.out.println("Load stopped: " + committed + " events committed (" + workload.retries()
                        + " transactions retried by the writers); draining");
                int manualRestarts = drain(cluster, fencingRestarts, checker, committed);
                tasks.close();
                Checker.Findings findings = checker.check();
                boolean running = cluster.rest().allRunning(Stack.SOURCE)
                        && cluster.rest().allRunning(Stack.SINK);
                List<FaultResult> faults = new ArrayList<>();
                for (FaultInjector.Injected fault : injector.injected()) {
                    faults.add(new FaultResult(
                            fault, recovery.recoveryMs(fault.planned().number())));
                }
                faults.sort(java.util.Comparator.comparingInt(
                        f -> f.fault().planned().number()));
                List<TaskWatcher.Failure> taskFailures = tasks.failures().stream()
                        .filter(failure -> !duringTaskFault(failure, injector.injected()))
                        .toList();
                Verdict verdict = new Verdict(findings, faults, taskFailures, manualRestarts, running);
                Report report = new Report(
                        options,
                        schedule,
                        startedAt,
                        faults,
                        findings,
                        taskFailures,
                        tasks.samples(),
                        tasks.unreadable(),
                        manualRestarts,
                        running,
                        verdict);
                System.out.println();
                System.out.println(report.render());
                findings.examples().forEach(example -> System.out.println("  " + example));
                replicationProblems.forEach(problem -> System.out.println("  replication: " + problem));
                Files.write(runDirectory.resolve("faults.log"), events);
                Files.writeString(runDirectory.resolve("report.md"), report.render());
                return verdict.holds() && replicationProblems.isEmpty() ? 0 : 1;
            }
        }
    }

    /** One fault as injected, and how long after its end MongoDB held every event committed by then (-1: never). */
    record FaultResult(FaultInjector.Injected fault, long recoveryMs) {}

    /**
     * The run's outcome: the checker's invariants, every fault verified (it happened and it ended) and caught up
     * with, no task seen FAILED at any time (unless the fault running then was a task failure, or Kafka Connect
     * failed the task in zombie fencing: see {@link FencingRestarts}), none restarted by hand in the drain, all
     * RUNNING at the end.
     */
    record Verdict(
            Checker.Findings findings,
            List<FaultResult> faults,
            List<TaskWatcher.Failure> taskFailures,
            int manualRestarts,
            boolean running) {

        long unverifiedFaults() {
            return faults.stream().filter(f -> !f.fault().verified()).count();
        }

        long notRecovered() {
            return faults.stream().filter(f -> f.recoveryMs() < 0).count();
        }

        long worstRecoveryMs() {
            return faults.stream().mapToLong(FaultResult::recoveryMs).max().orElse(0);
        }

        /** Task failures other than Kafka Connect's zombie-fencing failures. */
        long unexpectedTaskFailures() {
            return taskFailures.stream().filter(failure -> !failure.fencing()).count();
        }

        boolean holds() {
            return findings.holds()
                    && unverifiedFaults() == 0
                    && notRecovered() == 0
                    && unexpectedTaskFailures() == 0
                    && manualRestarts == 0
                    && running;
        }
    }

    /** Whether a task failure was seen while a fault that fails tasks on purpose was running. */
    static boolean duringTaskFault(TaskWatcher.Failure failure, List<FaultInjector.Injected> injected) {
        return injected.stream()
                .anyMatch(fault -> fault.planned().kind().failsTasks()
                        && failure.firstSeenMs() >= fault.startedAtMs()
                        && failure.firstSeenMs() <= fault.endedAtMs());
    }

    /**
     * Waits until MongoDB holds every committed event and the sink's lag is 0. A task left FAILED is restarted through
     * REST, as an operator would have to, and counted: the stack under test should need none.
     */
    private static int drain(Cluster cluster, FencingRestarts fencingRestarts, Checker checker, long committed)
            throws Exception {
        int manualRestarts = 0;
        long deadline = System.currentTimeMillis() + 300_000;
        while (System.currentTimeMillis() < deadline) {
            for (String connector : List.of(Stack.SOURCE, Stack.SINK)) {
                JsonNode status = cluster.rest().status(connector);
                for (JsonNode task : status == null ? List.<JsonNode>of() : status.path("tasks")) {
                    if (!"FAILED".equals(task.path("state").asText())
                            || fencingRestarts.restartIfFencingFailed(connector, task)) {
                        continue;
                    }
                    int id = task.path("id").asInt();
                    System.out.println("Task " + connector + "/" + id + " is FAILED ("
                            + task.path("trace").asText().lines().findFirst().orElse("")
                            + "); restarting it through REST (a manual restart)");
                    cluster.rest().restartTask(connector, id, 60);
                    manualRestarts++;
                }
            }
            try {
                if (checker.storedCount() >= committed && checker.sinkLag() == 0) {
                    return manualRestarts;
                }
            } catch (RuntimeException e) {
                // Still settling.
            }
            Wait.sleep(Duration.ofMillis(1_000));
        }
        System.out.println("Not drained within 300 s");
        return manualRestarts;
    }

    /**
     * The topics the pipeline depends on (the outbox topics, the dead letter queue the sink task made at its start,
     * Connect's internal topics, the transaction log, and Debezium's MariaDB connector's schema history), each checked for the
     * cluster's replication factor and min.insync.replicas; printed, and any difference fails the run.
     */
    private static List<String> replicationProblems(Cluster cluster, String stack) throws Exception {
        List<String> topics = new ArrayList<>(Stack.TOPICS);
        topics.addAll(List.of(
                Stack.DLQ,
                "chaos-connect-configs",
                "chaos-connect-offsets",
                "chaos-connect-status",
                "__transaction_state"));
        if (!cluster.database().isPostgres() && !Stack.polls(stack)) {
            topics.add("chaos.schema-history");
        }
        List<String> problems = cluster.kafka().replicationProblems(topics);
        System.out.println("Replication: " + topics.size() + " topics checked for replication factor "
                + cluster.kafka().replicationFactor()
                + " and min.insync.replicas " + cluster.kafka().minInsyncReplicas() + ": "
                + (problems.isEmpty() ? "all as required" : problems.size() + " differ"));
        problems.forEach(problem -> System.out.println("  " + problem));
        return problems;
    }

    /** Faults by kind, for the report. */
    static Map<FaultKind, Integer> byKind(List<FaultInjector.Injected> injected) {
        Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
        injected.forEach(fault -> counts.merge(fault.planned().kind(), 1, Integer::sum));
        return counts;
    }
}
