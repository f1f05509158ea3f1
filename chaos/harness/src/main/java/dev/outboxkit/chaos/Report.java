package dev.outboxkit.chaos;

import java.util.List;
import java.util.Map;

import dev.outboxkit.chaos.check.Checker;
import dev.outboxkit.chaos.faults.FaultInjector;
import dev.outboxkit.chaos.faults.FaultKind;
import dev.outboxkit.chaos.faults.FaultSchedule;

/** One run as a table: the faults by kind, then the row of counts the README's reliability section collects. */
final class Report {

    private final ChaosMain.Options options;
    private final FaultSchedule schedule;
    private final List<FaultInjector.Injected> injected;
    private final Checker.Findings findings;
    private final int manualRestarts;
    private final boolean running;
    private final long worstRecoveryMs;

    Report(ChaosMain.Options options, FaultSchedule schedule, List<FaultInjector.Injected> injected, Checker.Findings findings,
           int manualRestarts, boolean running, long worstRecoveryMs) {
        this.options = options;
        this.schedule = schedule;
        this.injected = injected;
        this.findings = findings;
        this.manualRestarts = manualRestarts;
        this.running = running;
        this.worstRecoveryMs = worstRecoveryMs;
    }

    String render() {
        StringBuilder text = new StringBuilder();
        Map<FaultKind, Integer> kinds = ChaosMain.byKind(injected);
        text.append("Faults injected: ").append(injected.size()).append(" (").append(kinds.size()).append(" of ")
                .append(FaultKind.forBrokers(options.brokers()).size()).append(" kinds)\n\n");
        text.append("| fault | count |\n| --- | ---: |\n");
        kinds.forEach((kind, count) -> text.append("| ").append(kind.description()).append(" | ").append(count).append(" |\n"));
        text.append('\n');
        text.append("| stack | Kafka | brokers | source | seed | minutes | faults | committed | stored | missing | stray | duplicated in MongoDB"
                + " | duplicated on Kafka (read_committed) | order violations | aggregates with gaps | DLQ records | lag | manual restarts"
                + " | all RUNNING | worst recovery |\n");
        text.append("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        text.append(String.format("| %s | %s | %d | %s | %d | %s | %d | %,d | %,d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |%n",
                options.stack(), options.kafka(), options.brokers(), options.source(), schedule.seed(), trim(options.minutes()), injected.size(),
                findings.committed(), findings.stored(), findings.missing(), findings.stray(), findings.duplicatedInMongo(),
                findings.duplicatedOnKafka(), findings.orderViolations(), findings.aggregatesWithGaps(), findings.deadLettered(),
                findings.lag(), manualRestarts, running ? "yes" : "no",
                worstRecoveryMs == Long.MAX_VALUE ? "not recovered" : String.format("%.1f s", worstRecoveryMs / 1000.0)));
        text.append('\n').append(findings.holds() && manualRestarts == 0 && running
                ? "RESULT: every invariant holds" : "RESULT: an invariant is broken").append('\n');
        return text.toString();
    }

    private static String trim(double minutes) {
        return minutes == Math.floor(minutes) ? Long.toString((long) minutes) : Double.toString(minutes);
    }
}
