package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.Stack;

/**
 * bench-pipeline.sh --cdc-deletes-in-transaction: only the writers of the stacks that read the database log delete
 * their outbox rows, and only on ask.
 */
class CdcDeletesInTransactionTest {

    @Test
    void noStacksWritersDeleteByDefault() {
        PipelineBenchmark.Options options = PipelineBenchmark.Options.parse(new String[] {});
        assertThat(options.cdcDeletesInTransaction()).isFalse();
        for (String stack : Stack.NAMES) {
            assertThat(PipelineBenchmark.deletesInTransaction(options, stack))
                    .as(stack)
                    .isFalse();
        }
    }

    @Test
    void withTheOptionTheLogReadersWritersDeleteAndThePollingStacksDoNot() {
        PipelineBenchmark.Options options =
                PipelineBenchmark.Options.parse(new String[] {"--cdc-deletes-in-transaction"});
        assertThat(PipelineBenchmark.deletesInTransaction(options, "outboxkit")).isTrue();
        assertThat(PipelineBenchmark.deletesInTransaction(options, "peer")).isTrue();
        assertThat(PipelineBenchmark.deletesInTransaction(options, "polling")).isFalse();
    }
}
