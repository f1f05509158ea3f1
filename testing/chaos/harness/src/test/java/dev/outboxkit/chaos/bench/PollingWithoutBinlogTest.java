package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.Stack;

/** bench-pipeline.sh --polling-without-binlog: only the polling stack's MariaDB loses its binlog, and only on ask. */
class PollingWithoutBinlogTest {

    @Test
    void everyStackKeepsTheBinlogByDefault() {
        PipelineBenchmark.Options options = PipelineBenchmark.Options.parse(new String[] {});
        assertThat(options.pollingWithoutBinlog()).isFalse();
        for (String stack : Stack.NAMES) {
            assertThat(PipelineBenchmark.keepsBinlog(options, stack)).as(stack).isTrue();
        }
    }

    @Test
    void withTheOptionOnlyThePollingStackRunsWithoutOne() {
        PipelineBenchmark.Options options = PipelineBenchmark.Options.parse(new String[] {"--polling-without-binlog"});
        assertThat(PipelineBenchmark.keepsBinlog(options, "polling")).isFalse();
        assertThat(PipelineBenchmark.keepsBinlog(options, "outboxkit")).isTrue();
        assertThat(PipelineBenchmark.keepsBinlog(options, "peer")).isTrue();
    }

    @Test
    void refusedForPostgres() {
        assertThatThrownBy(() -> PipelineBenchmark.Options.parse(
                        new String[] {"--polling-without-binlog", "--source", "postgres"}))
                .hasMessage("bench-pipeline.sh: --polling-without-binlog is for --source mariadb (PostgreSQL has no"
                        + " binlog)");
    }
}
