package dev.outboxkit.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The schedule is repeatable from its seed, covers every fault kind, and puts faults on top of faults. */
class FaultScheduleTest {

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        assertThat(FaultSchedule.plan(42, 580, 32).faults()).isEqualTo(FaultSchedule.plan(42, 580, 32).faults());
        assertThat(FaultSchedule.plan(42, 580, 32).faults()).isNotEqualTo(FaultSchedule.plan(43, 580, 32).faults());
    }

    @Test
    void everyKindAppearsAtLeastOnceEvenInAShortRound() {
        for (long seed = 0; seed < 50; seed++) {
            List<FaultSchedule.Planned> faults = FaultSchedule.plan(seed, 160, 12).faults();
            EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
            faults.forEach(fault -> kinds.add(fault.kind()));
            assertThat(kinds).as("seed " + seed).containsExactlyInAnyOrder(FaultKind.values());
            assertThat(faults).as("seed " + seed).hasSize(12)
                    .allSatisfy(fault -> assertThat(fault.startSeconds()).isBetween(0.0, 160.0));
        }
    }

    @Test
    void faultsAreNumberedInStartOrderAndSomeOverlap() {
        List<FaultSchedule.Planned> faults = FaultSchedule.plan(1123, 580, 32).faults();
        for (int i = 0; i < faults.size(); i++) {
            assertThat(faults.get(i).number()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(faults.get(i).startSeconds()).isGreaterThanOrEqualTo(faults.get(i - 1).startSeconds());
            }
        }
        long overlapping = 0;
        for (int i = 1; i < faults.size(); i++) {
            FaultSchedule.Planned previous = faults.get(i - 1);
            if (faults.get(i).startSeconds() < previous.startSeconds() + previous.durationSeconds()) {
                overlapping++;
            }
        }
        assertThat(overlapping).as("faults starting while the previous one still runs").isGreaterThanOrEqualTo(3);
    }
}
