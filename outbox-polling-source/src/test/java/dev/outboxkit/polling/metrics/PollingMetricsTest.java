package dev.outboxkit.polling.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

class PollingMetricsTest {

    @Test
    void aStoppingTaskNeverUnregistersItsSuccessor() throws Exception {
        PollingMetrics stopping = new PollingMetrics();
        PollingMetrics successor = new PollingMetrics();
        stopping.register("polling", "0");
        successor.register("polling", "0");
        successor.recordEmitted(3);
        stopping.unregister();
        assertThat(ManagementFactory.getPlatformMBeanServer()
                        .getAttribute(PollingMetrics.name("polling", "0"), "RowsEmitted"))
                .isEqualTo(3L);
        successor.unregister();
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(PollingMetrics.name("polling", "0")))
                .isFalse();
    }
}
