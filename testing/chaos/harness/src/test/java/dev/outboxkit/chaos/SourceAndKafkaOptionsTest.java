package dev.outboxkit.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** --source and --kafka, shared by the harness's commands: the defaults, the values taken, the one-line refusals. */
class SourceAndKafkaOptionsTest {

    @Test
    void mariaDbAndKafka43ByDefault() {
        ChaosMain.Options options = ChaosMain.Options.parse(new String[] {});
        assertThat(options.source()).isEqualTo("mariadb");
        assertThat(options.kafka()).isEqualTo("4.3");
    }

    @Test
    void theOtherDatabaseAndKafkaVersionAreTaken() {
        ChaosMain.Options options = ChaosMain.Options.parse(new String[] {"--source", "postgres", "--kafka", "3.9"});
        assertThat(options.source()).isEqualTo("postgres");
        assertThat(options.kafka()).isEqualTo("3.9");
    }

    @Test
    void anyOtherValueIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> ChaosMain.Options.parse(new String[] {"--source", "oracle"}))
                .hasMessage("chaos.sh: --source must be mariadb or postgres, not 'oracle'");
        assertThatThrownBy(() -> ChaosMain.Options.parse(new String[] {"--kafka", "4.0"}))
                .hasMessage("chaos.sh: --kafka must be 3.9 or 4.3, not '4.0'");
    }
}
