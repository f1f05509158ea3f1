package dev.outboxkit.chaos.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The seeded fault schedule: when each fault starts (seconds after the workload starts) and how long it lasts.
 * Every kind appears at least once; the rest are drawn at random. Faults are spread over the run with jitter, and
 * about a third start while the previous one is still going, so faults land on top of faults. The same seed and
 * length give the same schedule.
 */
public final class FaultSchedule {

    /** One planned fault. */
    public record Planned(int number, FaultKind kind, double startSeconds, double durationSeconds) {
        @Override
        public String toString() {
            return String.format(
                    "#%-3d at %6.1f s for %5.1f s  %s", number, startSeconds, durationSeconds, kind.description());
        }
    }

    private final long seed;
    private final List<Planned> faults;
    private final List<Planned> ending;

    private FaultSchedule(long seed, List<Planned> faults, List<Planned> ending) {
        this.seed = seed;
        this.faults = List.copyOf(faults);
        this.ending = List.copyOf(ending);
    }

    /**
     * This schedule, then these kinds one after the other once every scheduled fault is over (numbered after them,
     * planned at the end of the active time, no duration).
     */
    public FaultSchedule thenAtTheEnd(List<FaultKind> kinds, double activeSeconds) {
        List<Planned> last = new ArrayList<>(ending);
        for (FaultKind kind : kinds) {
            last.add(new Planned(faults.size() + last.size() + 1, kind, activeSeconds, 0));
        }
        return new FaultSchedule(seed, faults, last);
    }

    /**
     * @param activeSeconds the time in which faults start (the workload runs a little longer, to end on load)
     * @param count how many faults; at least one of each kind
     */
    public static FaultSchedule plan(long seed, double activeSeconds, int count) {
        return plan(seed, activeSeconds, count, FaultKind.forBrokers(1));
    }

    /** A schedule drawing from these kinds only (those that apply to the run's cluster), each at least once. */
    public static FaultSchedule plan(long seed, double activeSeconds, int count, List<FaultKind> applicable) {
        Random random = new Random(seed);
        List<FaultKind> kinds = new ArrayList<>(applicable);
        Collections.shuffle(kinds, random);
        while (kinds.size() < count) {
            kinds.add(applicable.get(random.nextInt(applicable.size())));
        }
        List<Planned> planned = new ArrayList<>();
        double slot = activeSeconds / kinds.size();
        double previousStart = 0;
        double previousDuration = 0;
        for (int i = 0; i < kinds.size(); i++) {
            FaultKind kind = kinds.get(i);
            double duration = duration(kind, random);
            double start;
            if (i > 0 && random.nextInt(3) == 0) {
                start = previousStart
                        + random.nextDouble() * Math.max(1, previousDuration); // on top of the previous one
            } else {
                start = i * slot + random.nextDouble() * slot * 0.8;
            }
            start = Math.min(start, activeSeconds);
            planned.add(new Planned(0, kind, start, duration));
            previousStart = start;
            previousDuration = duration;
        }
        planned.sort(Comparator.comparingDouble(Planned::startSeconds));
        List<Planned> numbered = new ArrayList<>();
        for (int i = 0; i < planned.size(); i++) {
            Planned p = planned.get(i);
            numbered.add(new Planned(
                    i + 1,
                    p.kind(),
                    Math.round(p.startSeconds() * 10) / 10.0,
                    Math.round(p.durationSeconds() * 10) / 10.0));
        }
        return new FaultSchedule(seed, numbered, List.of());
    }

    private static double duration(FaultKind kind, Random random) {
        return switch (kind) {
            case MONGO_CUT, MONGO_BLACKHOLE, MONGO_SLOW -> 5 + random.nextDouble() * 15;
            case REBALANCE_DURING_MONGO_OUTAGE -> 15 + random.nextDouble() * 10;
            case KILL_SINK_WORKER, KILL_SOURCE_WORKER, KILL_BROKER, KILL_PARTITION_LEADER, SOURCE_DB_RESTART ->
                2 + random.nextDouble() * 8;
            // At least this long; the broker stays stopped until it has left the in-sync replicas.
            case BROKER_OUT_OF_ISR -> 12 + random.nextDouble() * 10;
            case PAUSE_RESUME -> 3 + random.nextDouble() * 7;
            default -> 0;
        };
    }

    public long seed() {
        return seed;
    }

    /** The faults at their planned times. */
    public List<Planned> faults() {
        return faults;
    }

    /** The faults that run one after the other once every one of {@link #faults()} is over. */
    public List<Planned> ending() {
        return ending;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(
                "Fault schedule (seed " + seed + ", " + (faults.size() + ending.size()) + " faults):\n");
        faults.forEach(f -> text.append("  ").append(f).append('\n'));
        if (!ending.isEmpty()) {
            text.append("  then, once those are over:\n");
            ending.forEach(f -> text.append("  ").append(f).append('\n'));
        }
        return text.toString();
    }
}
