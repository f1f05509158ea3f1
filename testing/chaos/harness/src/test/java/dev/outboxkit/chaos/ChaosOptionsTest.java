package dev.outboxkit.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.faults.FaultKind;

/** The command line's --brokers option and the fault count it implies. */
class ChaosOptionsTest {

    @Test
    void oneBrokerByDefaultWithEveryOneBrokerKindOnce() {
        ChaosMain.Options options = ChaosMain.Options.parse(new String[] {"--minutes", "3", "--seed", "42"});
        assertThat(options.brokers()).isEqualTo(1);
        assertThat(options.faults()).isEqualTo(FaultKind.forBrokers(1).size());
    }

    @Test
    void threeBrokersDrawFromTheReplicatedKindsEachAtLeastOnce() {
        ChaosMain.Options options = ChaosMain.Options.parse(new String[] {"--brokers", "3", "--minutes", "3"});
        assertThat(options.brokers()).isEqualTo(3);
        assertThat(options.faults()).isEqualTo(FaultKind.forBrokers(3).size());
        assertThat(ChaosMain.Options.parse(new String[] {"--brokers", "3", "--minutes", "10"})
                        .faults())
                .isEqualTo(32);
    }

    @Test
    void twoBrokersAreRefused() {
        assertThatThrownBy(() -> ChaosMain.Options.parse(new String[] {"--brokers", "2"}))
                .hasMessage("chaos.sh: --brokers must be 1 or 3, not 2");
    }
}
