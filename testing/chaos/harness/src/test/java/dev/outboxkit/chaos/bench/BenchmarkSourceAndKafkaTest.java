package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** bench-pipeline.sh takes --source and --kafka from the harness's shared options, with their checks. */
class BenchmarkSourceAndKafkaTest {

    @Test
    void theSharedOptionsAreTakenAndChecked() {
        PipelineBenchmark.Options options =
                PipelineBenchmark.Options.parse(new String[] {"--source", "postgres", "--kafka", "3.9"});
        assertThat(options.source()).isEqualTo("postgres");
        assertThat(options.kafka()).isEqualTo("3.9");
        assertThatThrownBy(() -> PipelineBenchmark.Options.parse(new String[] {"--kafka", "4.0"}))
                .hasMessage("bench-pipeline.sh: --kafka must be 3.9 or 4.3, not '4.0'");
    }
}
