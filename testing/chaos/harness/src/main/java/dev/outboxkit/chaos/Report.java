package dev.outboxkit.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.outboxkit.chaos.check.Checker;
import dev.outboxkit.chaos.check.TaskWatcher;
import dev.outboxkit.chaos.faults.FaultInjector;
import dev.outboxkit.chaos.faults.FaultKind;
import dev.outboxkit.chaos.faults.FaultSchedule;

/**
 * One run as tables: each fault with when it was injected, when its effect was seen, when the system was back and
 * when MongoDB had caught up; the faults by kind; then the row of counts the README's reliability section collects,
 * and what broke the run, if anything did.
 */
final class Report {

    private final ChaosMain.Options options;
    private final FaultSchedule schedule;
    private final long startedAt;
    private final List<ChaosMain.FaultResult> faults;
    private final Checker.Findings findings;
    private final List<TaskWatcher.Failure> taskFailures;
    private final long statusSamples;
    private final long statusUnreadable;
    private final int manualRestarts;
    private final boolean running;
    private final ChaosMain.Verdict verdict;

    Report(
            ChaosMain.Options options,
            FaultSchedule schedule,
            long startedAt,
            List<ChaosMain.FaultResult> faults,
            Checker.Findings findings,
            List<TaskWatcher.Failure> taskFailures,
            long statusSamples,
            long statusUnreadable,
            int manualRestarts,
            boolean running,
            ChaosMain.Verdict verdict) {
        this.options = options;
        this.schedule = schedule;
        this.startedAt = startedAt;
        this.faults = faults;
        this.findings = findings;
        this.taskFailures = taskFailures;
        this.statusSamples = statusSamples;
        this.statusUnreadable = statusUnreadable;
        this.manualRestarts = manualRestarts;
        this.running = running;
        this.verdict = verdict;
    }

    String render() {
        StringBuilder text = new StringBuilder();
        List<FaultInjector.Injected> injected =
                faults.stream().map(ChaosMain.FaultResult::fault).toList();
        Map<FaultKind, Integer> kinds = ChaosMain.byKind(injected);
        text.append("Faults injected: ")
                .append(injected.size())
                .append(" (")
                .append(kinds.size())
                .append(" of ")
                .append(FaultKind.forBrokers(options.brokers()).size())
                .append(" kinds), ")
                .append(verdict.unverifiedFaults())
                .append(" not verified\n\n");
        text.append(
                "Per fault, seconds after the load started: injected, effect seen (from outside: process gone, port"
                        + " refusing, proxy refusing/hanging/slow, connector state), back (a new process answers, a new client gets"
                        + " through, tasks RUNNING), and MongoDB caught up (held every event committed when the fault was back).\n\n");
        text.append("| # | fault | injected at | effect seen at | back at | caught up at | verified |\n");
        text.append("| ---: | --- | ---: | ---: | ---: | ---: | --- |\n");
        for (ChaosMain.FaultResult result : faults) {
            FaultInjector.Injected fault = result.fault();
            text.append(String.format(
                    "| %d | %s | %s | %s | %s | %s | %s |%n",
                    fault.planned().number(),
                    fault.planned().kind(),
                    at(fault.startedAtMs()),
                    fault.effectSeenAtMs() < 0 ? "not seen" : at(fault.effectSeenAtMs()),
                    fault.verified() ? at(fault.endedAtMs()) : "not seen",
                    result.recoveryMs() < 0 ? "not within the run" : at(fault.endedAtMs() + result.recoveryMs()),
                    fault.verified()
                            ? "yes" + (fault.note().isEmpty() ? "" : " (" + fault.note() + ")")
                            : "**no: " + fault.problem() + "**"));
        }
        text.append('\n');
        text.append("| fault | count |\n| --- | ---: |\n");
        kinds.forEach((kind, count) -> text.append("| ")
                .append(kind.description())
                .append(" | ")
                .append(count)
                .append(" |\n"));
        text.append('\n');
        text.append(
                "| stack | Kafka | brokers | source | seed | minutes | faults | not verified | committed | stored | missing | stray"
                        + " | duplicated in MongoDB | duplicated on Kafka (read_committed) | unknown on Kafka | order violations (Kafka / MongoDB)"
                        + " | order compared (Kafka / MongoDB) | aggregates with gaps | DLQ records | lag | tasks seen FAILED"
                        + " | manual restarts | all RUNNING | worst recovery |\n");
        text.append(
                "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        text.append(String.format(
                "| %s | %s | %d | %s | %d | %s | %d | %d | %,d | %,d | %d | %d | %d | %d | %d | %d / %d | %,d / %,d | %d | %d | %d | %d | %d | %s | %s |%n",
                options.stack(),
                options.kafka(),
                options.brokers(),
                options.source(),
                schedule.seed(),
                trim(options.minutes()),
                injected.size(),
                verdict.unverifiedFaults(),
                findings.committed(),
                findings.stored(),
                findings.missing(),
                findings.stray(),
                findings.duplicatedInMongo(),
                findings.duplicatedOnKafka(),
                findings.unknownOnKafka(),
                findings.orderViolations(),
                findings.mongoOrderViolations(),
                findings.orderComparedOnKafka(),
                findings.orderComparedInMongo(),
                findings.aggregatesWithGaps(),
                findings.deadLettered(),
                findings.lag(),
                taskFailures.size(),
                manualRestarts,
                running ? "yes" : "no",
                verdict.notRecovered() > 0
                        ? "not recovered"
                        : String.format("%.1f s", verdict.worstRecoveryMs() / 1000.0)));
        text.append(String.format(
                "%nTask states read %,d times through REST during the run (%,d readings unanswered).%n",
                statusSamples, statusUnreadable));
        for (TaskWatcher.Failure failure : taskFailures) {
            text.append(String.format(
                    "  FAILED at %s: %s/%d on %s: %s%s%n",
                    at(failure.firstSeenMs()),
                    failure.connector(),
                    failure.task(),
                    failure.worker(),
                    failure.trace(),
                    failure.fencing()
                            ? " [Kafka Connect failed the task in zombie fencing; restarted through REST at once, as"
                                    + " the runbook says (README, Limits)]"
                            : ""));
        }
        text.append('\n')
                .append(
                        verdict.holds()
                                ? "RESULT: every invariant holds, every fault verified" + fencingNote()
                                : "RESULT: FAILED: " + String.join("; ", broken()))
                .append('\n');
        return text.toString();
    }

    private String fencingNote() {
        long fencing = taskFailures.size() - verdict.unexpectedTaskFailures();
        return fencing == 0
                ? ""
                : " (" + fencing + " task(s) restarted after Kafka Connect failed their zombie fencing)";
    }

    private List<String> broken() {
        List<String> reasons = new ArrayList<>();
        if (!findings.holds()) {
            reasons.add("an invariant of the stored events is broken");
        }
        if (findings.orderComparedOnKafka() != findings.committed()
                || findings.orderComparedInMongo() != findings.committed()) {
            reasons.add("order compared for fewer events than committed");
        }
        if (verdict.unverifiedFaults() > 0) {
            reasons.add(verdict.unverifiedFaults() + " fault(s) not verified");
        }
        if (verdict.notRecovered() > 0) {
            reasons.add(verdict.notRecovered() + " fault(s) not caught up with within the run");
        }
        if (verdict.unexpectedTaskFailures() > 0) {
            reasons.add(verdict.unexpectedTaskFailures() + " task failure(s) seen during the run");
        }
        if (manualRestarts > 0) {
            reasons.add(manualRestarts + " manual restart(s)");
        }
        if (!running) {
            reasons.add("not every connector and task RUNNING at the end");
        }
        return reasons;
    }

    private String at(long wallClockMs) {
        return String.format("%.1f", (wallClockMs - startedAt) / 1000.0);
    }

    private static String trim(double minutes) {
        return minutes == Math.floor(minutes) ? Long.toString((long) minutes) : Double.toString(minutes);
    }
}
