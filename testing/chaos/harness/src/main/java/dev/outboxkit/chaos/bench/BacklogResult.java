package dev.outboxkit.chaos.bench;

/**
 * The catch-up measurement of one stack: a backlog written while MongoDB was unreachable and the source connector
 * paused, then the source resumed alone (Debezium and the router catching up into Kafka), then MongoDB back (the sink
 * draining Kafka into MongoDB).
 *
 * @param events             events in the backlog
 * @param databaseRate       events/s the writers committed while building it (batched transactions)
 * @param sourceRate         events/s from resuming the source until every backlog event was on Kafka
 * @param drainRate          events/s from the first to the last backlog event arriving in MongoDB
 * @param firstWriteAfterMs  from MongoDB coming back until the first backlog event arrived in it
 * @param missing            backlog events not in MongoDB when the wait ended
 * @param serverBusyShare    the share of the drain's time the MongoDB server spent working on write commands
 * @param documentsPerWrite  the drain's mean write command size
 * @param sourceCpu          CPU ms per 1,000 events while the source caught up: Connect worker, broker, database
 * @param drainCpu           CPU ms per 1,000 events while the sink drained: Connect worker, broker, MongoDB, database
 */
public record BacklogResult(
        int events,
        double databaseRate,
        double sourceRate,
        double drainRate,
        long firstWriteAfterMs,
        int missing,
        double serverBusyShare,
        double documentsPerWrite,
        Cpu sourceCpu,
        Cpu drainCpu) {

    /** CPU milliseconds per 1,000 events, by process (the database: its server's whole process tree). */
    public record Cpu(double worker, double broker, double mongo, double database) {}
}
