package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The database's CPU as the benchmark sums it from /proc, and the ratio columns of its table. */
class DatabaseCpuTest {

    @Test
    void parsesOwnAndReapedChildrenTicksFromAStatLineWhoseNameHoldsSpacesAndParentheses() {
        // pid (comm) state ppid ... field 14 utime, 15 stime, 16 cutime, 17 cstime
        String line = "4242 (postgres: wal (x)) S 4000 4000 4000 0 -1 4194560 100 0 0 0 70 30 5 2 20 0 1 0 1 2 3";
        ProcessCpu.Stat stat = ProcessCpu.parse(line);
        assertThat(stat.pid()).isEqualTo(4242);
        assertThat(stat.parent()).isEqualTo(4000);
        assertThat(stat.ownTicks()).isEqualTo(100);
        assertThat(stat.reapedChildrenTicks()).isEqualTo(7);
    }

    @Test
    void aServerTreeCountsEveryLiveDescendantAndWhatEndedChildrenLeftButNothingOutside() {
        ProcessCpu.Stat postmaster = new ProcessCpu.Stat(10, 1, 100, 40); // 40: backends that ended
        ProcessCpu.Stat backend = new ProcessCpu.Stat(11, 10, 25, 0);
        ProcessCpu.Stat walSender = new ProcessCpu.Stat(12, 10, 7, 0);
        ProcessCpu.Stat grandchild = new ProcessCpu.Stat(13, 12, 3, 1);
        ProcessCpu.Stat unrelated = new ProcessCpu.Stat(20, 1, 999, 999);
        Map<Long, List<ProcessCpu.Stat>> children =
                Map.of(1L, List.of(postmaster, unrelated), 10L, List.of(backend, walSender), 12L, List.of(grandchild));
        assertThat(ProcessCpu.sumTree(postmaster, children)).isEqualTo(100 + 40 + 25 + 7 + 3 + 1);
    }

    @Test
    void thisProcessTreeIsReadFromProc() {
        // The process alone first: its CPU only grows, so the tree read after it can never be less (read the other
        // way round, the process's own time could pass the tree's between the two reads).
        double self = ProcessCpu.seconds(ProcessHandle.current().pid());
        double tree = ProcessCpu.treeSeconds(ProcessHandle.current().pid());
        assertThat(tree).isGreaterThanOrEqualTo(self);
        assertThat(ProcessCpu.treeSeconds(Long.MAX_VALUE)).isNaN();
    }

    @Test
    void ratiosComparePollingWithDebeziumsPathAndOutboxkitWithThePeer() {
        assertThat(BenchReport.ratios(List.of("outboxkit", "polling", "peer")))
                .containsExactly(new int[] {1, 0}, new int[] {0, 2});
        assertThat(BenchReport.ratios(List.of("outboxkit", "peer"))).containsExactly(new int[] {0, 1});
        assertThat(BenchReport.ratios(List.of("polling", "outboxkit"))).containsExactly(new int[] {0, 1});
        assertThat(BenchReport.ratios(List.of("polling", "peer"))).containsExactly(new int[] {0, 1});
        assertThat(BenchReport.ratios(List.of("polling"))).isEmpty();
    }
}
