package dev.outboxkit.chaos.faults;

import java.util.Arrays;
import java.util.List;

/**
 * Every kind of fault a run injects; each kind that applies to the run's cluster ({@link #forBrokers(int)}) appears
 * at least once in the schedule, and the kinds that end the run ({@link #endingTheRun(int)}) once after it.
 */
public enum FaultKind {
    KILL_SINK_WORKER("kill -9 of the worker running a sink task, then its restart"),
    KILL_SOURCE_WORKER("kill -9 of the worker running the source task, then its restart"),
    ROLLING_RESTART("graceful rolling restart of every worker"),
    MONGO_CUT("MongoDB cut off (connections dropped, new ones refused)"),
    MONGO_BLACKHOLE("MongoDB blackholed (connections hang, no reset)"),
    MONGO_SLOW("MongoDB slowed down"),
    KILL_BROKER("kill -9 of the broker, then its restart"),
    SOURCE_DB_RESTART("source database restart"),
    REBALANCE_DURING_MONGO_OUTAGE("a worker joins and one leaves while MongoDB is cut off"),
    SINK_TASK_RESTART("sink task restart through REST"),
    PAUSE_RESUME("sink connector pause and resume through REST"),
    OFFSET_RESET_REPLAY("sink offsets reset through REST (stop, delete offsets, resume): a replay"),
    KILL_PARTITION_LEADER("kill -9 of the leader of an outbox partition, then its restart"),
    BROKER_OUT_OF_ISR("a broker stopped (SIGSTOP) until it leaves the in-sync replicas, then resumed (SIGCONT)"),
    BROKER_ROLLING_RESTART("graceful rolling restart of every broker"),
    KILL_CONFIG_LEADER_AT_SOURCE_START(
            "kill -9 of the broker leading Connect's config topic, the source task restarted through REST meanwhile");

    private final String description;

    FaultKind(String description) {
        this.description = description;
    }

    /**
     * The kinds the schedule draws from for a cluster of this many brokers: one broker is killed and restarted as a
     * whole; three lose a partition's leader, a broker that stops answering, and a rolling restart instead.
     */
    public static List<FaultKind> forBrokers(int brokers) {
        return Arrays.stream(values())
                .filter(kind -> !kind.endsTheRun())
                .filter(kind -> brokers == 1 ? !kind.needsReplicas() : kind != KILL_BROKER)
                .toList();
    }

    /**
     * The kinds that run once every scheduled fault is over, in this order: each needs the rest of the system calm
     * (the config-topic fault holds the writers until the source task is idle), and drawing them at random would
     * change every seed's schedule.
     */
    public static List<FaultKind> endingTheRun(int brokers) {
        return Arrays.stream(values())
                .filter(FaultKind::endsTheRun)
                .filter(kind -> brokers > 1 || !kind.needsReplicas())
                .toList();
    }

    /** Whether the kind runs after the schedule rather than in it ({@link #endingTheRun(int)}). */
    public boolean endsTheRun() {
        return this == KILL_CONFIG_LEADER_AT_SOURCE_START;
    }

    /** Whether the fault needs other brokers to take over (a replicated cluster). */
    public boolean needsReplicas() {
        return this == KILL_PARTITION_LEADER
                || this == BROKER_OUT_OF_ISR
                || this == BROKER_ROLLING_RESTART
                || this == KILL_CONFIG_LEADER_AT_SOURCE_START;
    }

    public String description() {
        return description;
    }

    /**
     * Whether the fault itself is a task failure: a task seen FAILED while such a fault runs is the fault, not a broken
     * invariant. No kind so far fails a task on purpose.
     */
    public boolean failsTasks() {
        return false;
    }

    /** The part of the system a fault acts on; faults on one resource never overlap each other. */
    public String resource() {
        return switch (this) {
            case MONGO_CUT, MONGO_BLACKHOLE, MONGO_SLOW, REBALANCE_DURING_MONGO_OUTAGE -> "mongodb";
            case KILL_SINK_WORKER, KILL_SOURCE_WORKER, ROLLING_RESTART -> "workers";
            case KILL_BROKER,
                    KILL_PARTITION_LEADER,
                    BROKER_OUT_OF_ISR,
                    BROKER_ROLLING_RESTART,
                    KILL_CONFIG_LEADER_AT_SOURCE_START -> "broker";
            case SOURCE_DB_RESTART -> "database";
            case SINK_TASK_RESTART, PAUSE_RESUME, OFFSET_RESET_REPLAY -> "sink-connector";
        };
    }
}
