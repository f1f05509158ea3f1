package dev.outboxkit.chaos.faults;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.TopicPartition;

import dev.outboxkit.chaos.process.ConnectWorker;
import dev.outboxkit.chaos.process.KafkaBroker;
import dev.outboxkit.chaos.process.KafkaCluster;
import dev.outboxkit.chaos.process.KafkaCluster.PartitionState;
import dev.outboxkit.testkit.Wait;

/**
 * The faults of a replicated cluster (three brokers), each verified from outside through the Admin API: its effect
 * (the partition's leadership moved off the killed leader, the stopped broker left the in-sync replicas, each
 * restarted broker's port refused) and its end (every node registered, no partition of any topic under-replicated).
 * What is not seen in time makes the fault unverified, and the run fails.
 */
final class BrokerFaults {

    /** How long a broker may take to come back into every in-sync replica set after its restart or resume. */
    private static final int CATCH_UP_SECONDS = 180;
    /** How long a kill's effect (the process gone, leadership moved) may take to show. */
    private static final int EFFECT_SECONDS = 60;

    private final KafkaCluster kafka;
    private final List<String> topics;

    BrokerFaults(KafkaCluster kafka, List<String> topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    /** kill -9 of the leader of one outbox partition; the leadership must move; restart; back in every ISR. */
    void killPartitionLeader(int faultNumber, long downMs, FaultInjector.Trace trace) {
        PartitionState target = leaderTarget(states(), faultNumber)
                .orElseThrow(() -> new IllegalStateException("no outbox partition has a leader"));
        killLeader(target, downMs, trace, (leader, started) -> {});
    }

    /**
     * kill -9 of the partition's leader; what else the fault does while it is down; the leadership must move; the
     * node's restart after the planned time; back in every ISR.
     */
    private void killLeader(
            PartitionState target, long downMs, FaultInjector.Trace trace, BiConsumer<KafkaBroker, Long> meanwhile) {
        KafkaBroker leader = kafka.node(target.leader());
        long pid = leader.process().pid();
        long started = System.currentTimeMillis();
        leader.process().kill();
        try {
            meanwhile.accept(leader, started);
            killedLeaderSeen(trace, leader, pid, target, started);
            Wait.sleep(Duration.ofMillis(Math.max(0, started + downMs - System.currentTimeMillis())));
        } finally {
            leader.start();
        }
        backInEveryIsr(
                trace,
                "node " + leader.nodeId() + " restarted (a new process) and back in every in-sync replica set",
                () -> leader.process().pid() != pid);
    }

    private void killedLeaderSeen(
            FaultInjector.Trace trace, KafkaBroker leader, long pid, PartitionState target, long started) {
        AtomicInteger newLeader = new AtomicInteger(-1);
        trace.effect(
                "node " + leader.nodeId() + " (pid " + pid + ", leader of " + target.partition() + ") is gone and the"
                        + " partition's leadership moved to another node",
                EFFECT_SECONDS * 1000L,
                () -> {
                    newLeader.set(state(target).leader());
                    return !leader.process().isAlive() && newLeader.get() >= 0 && newLeader.get() != leader.nodeId();
                });
        trace.note(String.format(
                "node %d, leader of %s, killed; leader node %d %s after the kill",
                leader.nodeId(), target.partition(), newLeader.get(), seconds(started)));
    }

    /** Whether the partition is led now by a node other than this one (false when that cannot be told). */
    private boolean movedOff(PartitionState target, int node) {
        try {
            int now = state(target).leader();
            return now >= 0 && now != node;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String seconds(long since) {
        return String.format("%.1f s", (System.currentTimeMillis() - since) / 1000.0);
    }

    /**
     * kill -9 of the leader of Connect's config topic, and at once a restart of the source task: an exactly-once
     * source task does not start until the group's leader has read that topic to its end to fence the task's older
     * producers, so the read waits through the topic's change of leader. Leadership must move; restart; back in
     * every ISR, and the source task RUNNING again (a task that gave up on the read stays FAILED, and the fault is
     * not verified). The config topic is first led by a node that does not coordinate the workers' group: a lost
     * coordinator stalls every worker's REST requests until a new one is found, and the restart would come after the
     * config topic's new leader.
     */
    void killConfigLeaderAtSourceStart(
            long downMs, FaultInjector.Trace trace, Runnable restartSourceTask, BooleanSupplier sourceRunning) {
        TopicPartition config = new TopicPartition(ConnectWorker.CONFIG_TOPIC, 0);
        int coordinator = call(() -> kafka.groupCoordinator(ConnectWorker.GROUP_ID));
        KafkaBroker leader = kafka.nodes().stream()
                .filter(node -> node.nodeId() != coordinator)
                .findFirst()
                .orElseThrow();
        call(() -> {
            kafka.makeLeader(config, leader.nodeId());
            return null;
        });
        PartitionState target = kafka.state(config);
        trace.note("node " + coordinator + " coordinates the workers' group");
        killLeader(target, downMs, trace, (killed, started) -> {
            trace.effect(
                    "node " + killed.nodeId() + " (leader of " + target.partition() + ") is gone",
                    EFFECT_SECONDS * 1000L,
                    () -> !killed.process().isAlive());
            restartSourceTask.run();
            trace.note("source task restart accepted " + seconds(started) + " after the kill");
            if (movedOff(target, killed.nodeId())) {
                // The old task's stop outlasted the replacement: the run must not claim the read met it.
                trace.note("the config topic had its new leader by then, so the new task's fencing read did not"
                        + " wait through the replacement");
            }
        });
        trace.back("the source task is RUNNING", CATCH_UP_SECONDS * 1000L, sourceRunning);
    }

    /** SIGSTOP of a follower of one outbox partition until it has left that partition's ISR; SIGCONT; back in. */
    void stopUntilOutOfIsr(int faultNumber, long minimumMs, FaultInjector.Trace trace) {
        PartitionState target = followerTarget(states(), faultNumber)
                .orElseThrow(() -> new IllegalStateException("no outbox partition has an in-sync follower"));
        int nodeId = target.isr().stream()
                .filter(id -> id != target.leader())
                .findFirst()
                .orElseThrow();
        KafkaBroker broker = kafka.node(nodeId);
        long started = System.currentTimeMillis();
        broker.process().signal("STOP");
        try {
            // The replica lag limit is 10 s; the controller fences a broker whose heartbeats stop after 9 s.
            trace.effect(
                    "node " + nodeId + " is stopped (state T) and has left the in-sync replicas of "
                            + target.partition(),
                    120_000,
                    () -> broker.process().state().equals("T")
                            && !state(target).isr().contains(nodeId));
            trace.note(String.format(
                    "node %d stopped; out of the ISR of %s %.1f s later",
                    nodeId, target.partition(), (System.currentTimeMillis() - started) / 1000.0));
            Wait.sleep(Duration.ofMillis(Math.max(0, started + minimumMs - System.currentTimeMillis())));
        } finally {
            broker.process().signal("CONT");
        }
        backInEveryIsr(
                trace,
                "node " + nodeId + " resumed and back in every in-sync replica set",
                () -> !broker.process().state().equals("T"));
    }

    /** Each broker in turn: a graceful stop (controlled shutdown), a start, and back in every ISR before the next. */
    void rollingRestart(FaultInjector.Trace trace) {
        for (KafkaBroker broker : kafka.nodes()) {
            long pid = broker.process().pid();
            broker.process().stop(60);
            try {
                trace.effect(
                        "node " + broker.nodeId() + " (pid " + pid + ") stopped and its port refuses",
                        EFFECT_SECONDS * 1000L,
                        () -> !broker.process().isAlive() && Probes.refuses(broker.port()));
            } finally {
                broker.start();
            }
            backInEveryIsr(
                    trace,
                    "node " + broker.nodeId()
                            + " restarted (a new process), registered, and back in every in-sync replica set",
                    () -> broker.process().pid() != pid && broker.process().isAlive());
        }
        trace.note("nodes "
                + kafka.nodes().stream().map(b -> Integer.toString(b.nodeId())).toList() + " restarted in turn");
    }

    /** Back: the condition holds, every node is registered, and no partition of any topic is under-replicated. */
    private void backInEveryIsr(FaultInjector.Trace trace, String what, BooleanSupplier condition) {
        trace.back(
                what,
                CATCH_UP_SECONDS * 1000L,
                () -> condition.getAsBoolean()
                        && kafka.liveNodes().size() == kafka.size()
                        && call(kafka::underReplicated).isEmpty());
    }

    private List<PartitionState> states() {
        return call(() -> kafka.partitions(topics));
    }

    private PartitionState state(PartitionState of) {
        return kafka.state(of.partition());
    }

    /** The partition whose leader to kill: one with a leader, a different one from fault to fault. */
    static Optional<PartitionState> leaderTarget(List<PartitionState> states, int faultNumber) {
        List<PartitionState> led = states.stream().filter(s -> s.leader() >= 0).toList();
        return led.isEmpty() ? Optional.empty() : Optional.of(led.get(Math.floorMod(faultNumber, led.size())));
    }

    /** The partition whose follower to stop: one with an in-sync follower besides its leader. */
    static Optional<PartitionState> followerTarget(List<PartitionState> states, int faultNumber) {
        List<PartitionState> followed = states.stream()
                .filter(s -> s.leader() >= 0 && s.isr().stream().anyMatch(id -> id != s.leader()))
                .toList();
        return followed.isEmpty()
                ? Optional.empty()
                : Optional.of(followed.get(Math.floorMod(faultNumber, followed.size())));
    }

    private static <T> T call(Checked<T> question) {
        try {
            return question.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Checked<T> {
        T get() throws Exception;
    }
}
