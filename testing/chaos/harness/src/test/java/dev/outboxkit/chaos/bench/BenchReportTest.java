package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void aRatioIsTwoDecimalsAndNoneWhenTheDenominatorIsZero() {
        assertThat(BenchReport.ratio(439.1, 275.4)).isEqualTo("1.59x");
        assertThat(BenchReport.ratio(10.0, 0.0)).isEqualTo("n/a");
        assertThat(BenchReport.ratio(0.0, 0.0)).isEqualTo("n/a");
        assertThat(BenchReport.ratio(0.0, 4.0)).isEqualTo("0.00x");
    }
}
