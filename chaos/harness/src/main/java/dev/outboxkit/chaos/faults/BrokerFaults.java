package dev.outboxkit.chaos.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.outboxkit.chaos.Await;
import dev.outboxkit.chaos.process.KafkaBroker;
import dev.outboxkit.chaos.process.KafkaCluster;
import dev.outboxkit.chaos.process.KafkaCluster.PartitionState;

/**
 * The faults of a replicated cluster (three brokers). Each one checks through the Admin API that it happened (the
 * partition's leadership moved, the stopped broker left the in-sync replicas, each restarted broker came back) and
 * that it ended (no partition of any topic under-replicated), and throws when either is not seen in time: the fault
 * then counts as not injected. It returns a note of what it saw, for the run's fault log.
 */
final class BrokerFaults {

    /** How long a broker may take to come back into every in-sync replica set after its restart or resume. */
    private static final int CATCH_UP_SECONDS = 180;

    private final KafkaCluster kafka;
    private final List<String> topics;

    BrokerFaults(KafkaCluster kafka, List<String> topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    /** kill -9 of the leader of one outbox partition; the leadership must move; restart; back in every ISR. */
    String killPartitionLeader(int faultNumber, long downMs) {
        PartitionState target = leaderTarget(states(), faultNumber)
                .orElseThrow(() -> new IllegalStateException("no outbox partition has a leader"));
        KafkaBroker leader = kafka.node(target.leader());
        long started = System.currentTimeMillis();
        leader.process().kill();
        if (leader.process().isAlive()) {
            throw new IllegalStateException(leader + " survived kill -9");
        }
        Await.until("leadership of " + target.partition() + " moves off node " + leader.nodeId(), 60, () -> {
            int now = state(target).leader();
            return now >= 0 && now != leader.nodeId();
        });
        long movedMs = System.currentTimeMillis() - started;
        int newLeader = state(target).leader();
        Await.sleep(Math.max(0, started + downMs - System.currentTimeMillis()));
        long restarted = System.currentTimeMillis();
        leader.start();
        awaitFullyReplicated("node " + leader.nodeId() + " is back in every in-sync replica set after its restart");
        return String.format("node %d, leader of %s, killed; leader moved to node %d in %.1f s; back in every ISR %.1f s after its restart",
                leader.nodeId(), target.partition(), newLeader, movedMs / 1000.0, (System.currentTimeMillis() - restarted) / 1000.0);
    }

    /** SIGSTOP of a follower of one outbox partition until it has left that partition's ISR; SIGCONT; back in. */
    String stopUntilOutOfIsr(int faultNumber, long minimumMs) {
        PartitionState target = followerTarget(states(), faultNumber)
                .orElseThrow(() -> new IllegalStateException("no outbox partition has an in-sync follower"));
        int nodeId = target.isr().stream().filter(id -> id != target.leader()).findFirst().orElseThrow();
        KafkaBroker broker = kafka.node(nodeId);
        long started = System.currentTimeMillis();
        broker.process().signal("STOP");
        long leftMs;
        try {
            if (!Await.within(10_000, () -> broker.process().state().equals("T"))) {
                throw new IllegalStateException(broker + " is not in the stopped state after SIGSTOP: " + broker.process().state());
            }
            Await.until("node " + nodeId + " leaves the in-sync replicas of " + target.partition(), 120,
                    () -> !state(target).isr().contains(nodeId));
            leftMs = System.currentTimeMillis() - started;
            Await.sleep(Math.max(0, started + minimumMs - System.currentTimeMillis()));
        } finally {
            broker.process().signal("CONT");
        }
        long resumed = System.currentTimeMillis();
        awaitFullyReplicated("node " + nodeId + " is back in every in-sync replica set after SIGCONT");
        return String.format("node %d stopped; left the ISR of %s after %.1f s; stopped %.1f s; back in every ISR %.1f s after SIGCONT",
                nodeId, target.partition(), leftMs / 1000.0, (resumed - started) / 1000.0, (System.currentTimeMillis() - resumed) / 1000.0);
    }

    /** Each broker in turn: a graceful stop (controlled shutdown), a start, and back in every ISR before the next. */
    String rollingRestart() {
        List<String> steps = new ArrayList<>();
        for (KafkaBroker broker : kafka.nodes()) {
            long pidBefore = broker.process().pid();
            long started = System.currentTimeMillis();
            broker.process().stop(60);
            if (broker.process().isAlive()) {
                throw new IllegalStateException(broker + " did not stop");
            }
            broker.start();
            if (broker.process().pid() == pidBefore || !broker.process().isAlive()) {
                throw new IllegalStateException(broker + " did not start again");
            }
            Await.until("node " + broker.nodeId() + " is registered again", 120, () -> kafka.liveNodes().contains(broker.nodeId()));
            awaitFullyReplicated("node " + broker.nodeId() + " is back in every in-sync replica set after its restart");
            steps.add(String.format("node %d %.1f s", broker.nodeId(), (System.currentTimeMillis() - started) / 1000.0));
        }
        return "restarted and back in every ISR: " + String.join(", ", steps);
    }

    private void awaitFullyReplicated(String what) {
        Await.until(what, CATCH_UP_SECONDS, () -> call(kafka::underReplicated).isEmpty() && kafka.liveNodes().size() == kafka.size());
    }

    private List<PartitionState> states() {
        return call(() -> kafka.partitions(topics));
    }

    private PartitionState state(PartitionState of) {
        return states().stream().filter(s -> s.partition().equals(of.partition())).findFirst()
                .orElseThrow(() -> new IllegalStateException(of.partition() + " is not described"));
    }

    /** The partition whose leader to kill: one with a leader, a different one from fault to fault. */
    static Optional<PartitionState> leaderTarget(List<PartitionState> states, int faultNumber) {
        List<PartitionState> led = states.stream().filter(s -> s.leader() >= 0).toList();
        return led.isEmpty() ? Optional.empty() : Optional.of(led.get(Math.floorMod(faultNumber, led.size())));
    }

    /** The partition whose follower to stop: one with an in-sync follower besides its leader. */
    static Optional<PartitionState> followerTarget(List<PartitionState> states, int faultNumber) {
        List<PartitionState> followed = states.stream()
                .filter(s -> s.leader() >= 0 && s.isr().stream().anyMatch(id -> id != s.leader())).toList();
        return followed.isEmpty() ? Optional.empty() : Optional.of(followed.get(Math.floorMod(faultNumber, followed.size())));
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
