package dev.outboxkit.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.check.Checker;
import dev.outboxkit.chaos.check.TaskWatcher;

/** Which task failures break a chaos run's verdict. */
class ChaosVerdictTest {

    private static final Checker.Findings EVERY_EVENT_ONCE_IN_ORDER =
            new Checker.Findings(100, 100, 0, 0, 0, 100, 0, 0, 0, 100, 0, 100, 0, 0, 0, 0, List.of());

    @Test
    void aTaskKafkaConnectFailedInZombieFencingIsReportedButDoesNotBreakTheRun() {
        ChaosMain.Verdict verdict = verdict(List.of(failure(true)));

        assertThat(verdict.unexpectedTaskFailures()).isZero();
        assertThat(verdict.holds()).isTrue();
    }

    @Test
    void anyOtherTaskFailureBreaksTheRun() {
        ChaosMain.Verdict verdict = verdict(List.of(failure(true), failure(false)));

        assertThat(verdict.unexpectedTaskFailures()).isEqualTo(1);
        assertThat(verdict.holds()).isFalse();
    }

    private static ChaosMain.Verdict verdict(List<TaskWatcher.Failure> failures) {
        return new ChaosMain.Verdict(EVERY_EVENT_ONCE_IN_ORDER, List.of(), failures, 0, true);
    }

    private static TaskWatcher.Failure failure(boolean fencing) {
        return new TaskWatcher.Failure("chaos-source", 0, 1_000, "127.0.0.1:8083", "a trace", fencing);
    }
}
