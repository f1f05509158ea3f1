package dev.outboxkit.chaos.faults;

/** Every kind of fault the schedule injects; each appears at least once per run. */
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
    OFFSET_RESET_REPLAY("sink offsets reset through REST (stop, delete offsets, resume): a replay");

    private final String description;

    FaultKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The part of the system a fault acts on; faults on one resource never overlap each other. */
    public String resource() {
        return switch (this) {
            case MONGO_CUT, MONGO_BLACKHOLE, MONGO_SLOW, REBALANCE_DURING_MONGO_OUTAGE -> "mongodb";
            case KILL_SINK_WORKER, KILL_SOURCE_WORKER, ROLLING_RESTART -> "workers";
            case KILL_BROKER -> "broker";
            case SOURCE_DB_RESTART -> "database";
            case SINK_TASK_RESTART, PAUSE_RESUME, OFFSET_RESET_REPLAY -> "sink-connector";
        };
    }
}
