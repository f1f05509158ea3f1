package dev.outboxkit.chaos.bench;

/**
 * One load phase of one stack: the offered and achieved rates, commit-to-MongoDB latency and its two halves, and
 * whether the pipeline kept up (the backlog of committed events not yet in MongoDB did not grow over the second half
 * of the phase).
 *
 * @param offered          events/s asked of the writers; infinite for as fast as they go
 * @param achieved         events/s the writers committed
 * @param total            commit to MongoDB
 * @param toKafka          commit to the broker's append of the routed event
 * @param fromKafka        the broker's append to MongoDB
 * @param backlogSlope     growth of the backlog over the second half of the phase, events/s
 * @param kafkaRate        events/s appended to the topics during the phase
 * @param mongoRate        events/s arriving in MongoDB during the phase
 * @param missing          events of the phase not in MongoDB when the wait for them ended
 * @param server           the MongoDB server's own time per write command during the phase
 * @param databaseCpu      CPU ms per 1,000 committed events the source database's server spent during the phase (the
 *                         writers' transactions and the source connector's reads, and the polling source's deletes)
 */
public record PhaseResult(
        String name,
        double offered,
        double achieved,
        Latency total,
        Latency toKafka,
        Latency fromKafka,
        double backlogSlope,
        double kafkaRate,
        double mongoRate,
        int missing,
        ArrivalLog.ServerTime server,
        double databaseCpu) {

    /** Kept up: the backlog did not grow by more than 5% of the rate (or 20 events/s) over the second half. */
    public boolean keptUp() {
        return missing == 0 && backlogSlope <= Math.max(20, 0.05 * achieved);
    }
}
