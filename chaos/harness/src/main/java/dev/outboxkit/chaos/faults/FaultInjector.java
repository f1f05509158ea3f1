package dev.outboxkit.chaos.faults;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import dev.outboxkit.chaos.Await;
import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.ConnectRest;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.process.ConnectWorker;

/**
 * Carries out planned faults against the cluster, each on a thread of its own at its planned time, so that faults
 * on different parts of the system overlap; faults on the same part take turns. Records when each one really ran
 * and how many events had committed when it ended (for the recovery time).
 */
public final class FaultInjector {

    /** A fault as it happened. */
    public record Injected(FaultSchedule.Planned planned, long startedAtMs, long endedAtMs, long committedAtEnd, String note) {
    }

    private final Cluster cluster;
    private final ConnectRest rest;
    private final LongSupplier committed;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final List<String> log;
    private final BrokerFaults brokerFaults;

    public FaultInjector(Cluster cluster, LongSupplier committed, List<String> log) {
        this.cluster = cluster;
        this.brokerFaults = new BrokerFaults(cluster.kafka(), Stack.TOPICS);
        this.rest = cluster.rest();
        this.committed = committed;
        this.log = log;
    }

    public List<Injected> injected() {
        return injected;
    }

    /** Runs one fault now (on the caller's thread), waiting for others on the same resource first. */
    public void inject(FaultSchedule.Planned fault) {
        ReentrantLock lock = locks.computeIfAbsent(fault.kind().resource(), r -> new ReentrantLock());
        lock.lock();
        long started = System.currentTimeMillis();
        String note;
        try {
            say("start " + fault);
            note = run(fault.kind(), fault.number(), (long) (fault.durationSeconds() * 1000));
        } catch (RuntimeException | IOException e) {
            note = "failed to inject: " + e;
        } finally {
            lock.unlock();
        }
        long ended = System.currentTimeMillis();
        injected.add(new Injected(fault, started, ended, committed.getAsLong(), note));
        say("end   #" + fault.number() + " " + fault.kind() + (note.isEmpty() ? "" : " (" + note + ")"));
    }

    private String run(FaultKind kind, int number, long durationMs) throws IOException {
        switch (kind) {
            case KILL_SINK_WORKER -> {
                return killAndRestart(workerRunning(Stack.SINK), durationMs);
            }
            case KILL_SOURCE_WORKER -> {
                return killAndRestart(workerRunning(Stack.SOURCE), durationMs);
            }
            case ROLLING_RESTART -> {
                for (ConnectWorker worker : cluster.workers()) {
                    worker.process().stop(30);
                    worker.process().start();
                    Await.until(worker.name() + " answers after its restart", 120, () -> cluster.answers(worker));
                }
                return "";
            }
            case MONGO_CUT -> {
                cluster.mongoProxy().cut();
                Await.sleep(durationMs);
                cluster.mongoProxy().heal();
                return "";
            }
            case MONGO_BLACKHOLE -> {
                cluster.mongoProxy().blackhole();
                Await.sleep(durationMs);
                cluster.mongoProxy().heal();
                return "";
            }
            case MONGO_SLOW -> {
                cluster.mongoProxy().slow(200);
                Await.sleep(durationMs);
                cluster.mongoProxy().heal();
                return "";
            }
            case KILL_BROKER -> {
                cluster.kafka().node(1).process().kill();
                Await.sleep(durationMs);
                cluster.kafka().node(1).start();
                return "";
            }
            case KILL_PARTITION_LEADER -> {
                return brokerFaults.killPartitionLeader(number, durationMs);
            }
            case BROKER_OUT_OF_ISR -> {
                return brokerFaults.stopUntilOutOfIsr(number, durationMs);
            }
            case BROKER_ROLLING_RESTART -> {
                return brokerFaults.rollingRestart();
            }
            case SOURCE_DB_RESTART -> {
                cluster.stopDatabase();
                Await.sleep(durationMs);
                cluster.startDatabase();
                return "";
            }
            case REBALANCE_DURING_MONGO_OUTAGE -> {
                cluster.mongoProxy().cut();
                long until = System.currentTimeMillis() + durationMs;
                ConnectWorker joining = cluster.spare();
                joining.process().start();
                Await.within(60_000, () -> cluster.answers(joining));
                Await.sleep(Math.max(0, (until - System.currentTimeMillis()) / 2));
                joining.process().stop(30);
                Await.sleep(Math.max(0, until - System.currentTimeMillis()));
                cluster.mongoProxy().heal();
                return "";
            }
            case SINK_TASK_RESTART -> {
                rest.call("POST", "/connectors/" + Stack.SINK + "/tasks/0/restart", null, 120);
                return "";
            }
            case PAUSE_RESUME -> {
                rest.call("PUT", "/connectors/" + Stack.SINK + "/pause", null, 120);
                Await.sleep(durationMs);
                rest.call("PUT", "/connectors/" + Stack.SINK + "/resume", null, 120);
                return "";
            }
            case OFFSET_RESET_REPLAY -> {
                rest.call("PUT", "/connectors/" + Stack.SINK + "/stop", null, 120);
                Await.until(Stack.SINK + " is STOPPED", 120, () -> "STOPPED".equals(
                        rest.status(Stack.SINK).path("connector").path("state").asText()));
                rest.call("DELETE", "/connectors/" + Stack.SINK + "/offsets", null, 120);
                rest.call("PUT", "/connectors/" + Stack.SINK + "/resume", null, 120);
                return "";
            }
            default -> throw new IllegalStateException("unknown fault " + kind);
        }
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

    private String killAndRestart(ConnectWorker worker, long downMs) {
        worker.process().kill();
        Await.sleep(downMs);
        worker.process().start();
        Await.within(120_000, () -> cluster.answers(worker));
        return worker.name();
    }

    private void say(String line) {
        String stamped = String.format("[%tT] %s", System.currentTimeMillis(), line);
        log.add(stamped);
        System.out.println(stamped);
    }
}
