package dev.outboxkit.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The schedule is repeatable from its seed, covers every fault kind, and puts faults on top of faults. */
class FaultScheduleTest {

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        assertThat(FaultSchedule.plan(42, 580, 32).faults())
                .isEqualTo(FaultSchedule.plan(42, 580, 32).faults());
        assertThat(FaultSchedule.plan(42, 580, 32).faults())
                .isNotEqualTo(FaultSchedule.plan(43, 580, 32).faults());
    }

    @Test
    void everyKindAppearsAtLeastOnceEvenInAShortRound() {
        for (long seed = 0; seed < 50; seed++) {
            List<FaultSchedule.Planned> faults =
                    FaultSchedule.plan(seed, 160, 12).faults();
            EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
            faults.forEach(fault -> kinds.add(fault.kind()));
            assertThat(kinds).as("seed " + seed).containsExactlyInAnyOrderElementsOf(FaultKind.forBrokers(1));
            assertThat(faults)
                    .as("seed " + seed)
                    .hasSize(12)
                    .allSatisfy(fault -> assertThat(fault.startSeconds()).isBetween(0.0, 160.0));
        }
    }

    @Test
    void aThreeBrokerScheduleHasEveryBrokerFaultAndNoKillOfTheWholeKafka() {
        for (long seed = 0; seed < 50; seed++) {
            List<FaultSchedule.Planned> faults =
                    FaultSchedule.plan(seed, 160, 14, FaultKind.forBrokers(3)).faults();
            EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
            faults.forEach(fault -> kinds.add(fault.kind()));
            assertThat(kinds)
                    .as("seed " + seed)
                    .contains(
                            FaultKind.KILL_PARTITION_LEADER,
                            FaultKind.BROKER_OUT_OF_ISR,
                            FaultKind.BROKER_ROLLING_RESTART,
                            FaultKind.KILL_SINK_WORKER,
                            FaultKind.MONGO_CUT,
                            FaultKind.OFFSET_RESET_REPLAY)
                    .doesNotContain(FaultKind.KILL_BROKER, FaultKind.KILL_CONFIG_LEADER_AT_SOURCE_START)
                    .hasSize(FaultKind.values().length - 2);
            assertThat(faults)
                    .as("seed " + seed)
                    .filteredOn(fault -> fault.kind() == FaultKind.BROKER_OUT_OF_ISR)
                    .allSatisfy(fault -> assertThat(fault.durationSeconds())
                            .as("long enough to leave the ISR (10 s lag)")
                            .isGreaterThanOrEqualTo(12.0));
        }
    }

    @Test
    void aOneBrokerScheduleIsTheSameAsBeforeTheBrokerFaultsExisted() {
        // The one-broker kinds are the first twelve, in their old order: a seed gives the schedule it always gave.
        assertThat(FaultKind.forBrokers(1))
                .containsExactly(
                        FaultKind.values()[0],
                        FaultKind.values()[1],
                        FaultKind.values()[2],
                        FaultKind.values()[3],
                        FaultKind.values()[4],
                        FaultKind.values()[5],
                        FaultKind.values()[6],
                        FaultKind.values()[7],
                        FaultKind.values()[8],
                        FaultKind.values()[9],
                        FaultKind.values()[10],
                        FaultKind.values()[11]);
        assertThat(FaultKind.forBrokers(1)).noneMatch(FaultKind::needsReplicas);
        assertThat(FaultSchedule.plan(42, 580, 32).faults())
                .isEqualTo(
                        FaultSchedule.plan(42, 580, 32, FaultKind.forBrokers(1)).faults());
    }

    @Test
    void theConfigTopicFaultEndsEveryThreeBrokerRunAfterTheScheduleWhichItLeavesAsItWas() {
        assertThat(FaultKind.endingTheRun(3)).containsExactly(FaultKind.KILL_CONFIG_LEADER_AT_SOURCE_START);
        assertThat(FaultKind.endingTheRun(1)).isEmpty();
        FaultSchedule drawn = FaultSchedule.plan(42, 160, 14, FaultKind.forBrokers(3));
        FaultSchedule ended = drawn.thenAtTheEnd(FaultKind.endingTheRun(3), 160);
        assertThat(ended.faults()).isEqualTo(drawn.faults()).hasSize(14);
        assertThat(ended.ending())
                .containsExactly(new FaultSchedule.Planned(15, FaultKind.KILL_CONFIG_LEADER_AT_SOURCE_START, 160, 0));
    }

    @Test
    void everyBrokerFaultActsOnTheBrokersSoTheyNeverOverlapEachOther() {
        assertThat(List.of(
                        FaultKind.KILL_BROKER,
                        FaultKind.KILL_PARTITION_LEADER,
                        FaultKind.BROKER_OUT_OF_ISR,
                        FaultKind.BROKER_ROLLING_RESTART,
                        FaultKind.KILL_CONFIG_LEADER_AT_SOURCE_START))
                .allSatisfy(kind -> assertThat(kind.resource()).isEqualTo("broker"));
    }

    @Test
    void faultsAreNumberedInStartOrderAndSomeOverlap() {
        List<FaultSchedule.Planned> faults = FaultSchedule.plan(1123, 580, 32).faults();
        for (int i = 0; i < faults.size(); i++) {
            assertThat(faults.get(i).number()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(faults.get(i).startSeconds())
                        .isGreaterThanOrEqualTo(faults.get(i - 1).startSeconds());
            }
        }
        long overlapping = 0;
        for (int i = 1; i < faults.size(); i++) {
            FaultSchedule.Planned previous = faults.get(i - 1);
            if (faults.get(i).startSeconds() < previous.startSeconds() + previous.durationSeconds()) {
                overlapping++;
            }
        }
        assertThat(overlapping)
                .as("faults starting while the previous one still runs")
                .isGreaterThanOrEqualTo(3);
    }
}
