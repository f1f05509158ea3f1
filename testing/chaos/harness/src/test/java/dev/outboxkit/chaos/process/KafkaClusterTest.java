package dev.outboxkit.chaos.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/** The replication settings every broker of the run's cluster gets. */
class KafkaClusterTest {

    @Test
    void threeBrokersReplicateEveryTopicThreeTimesAndNeedTwoInSyncForAWrite() {
        assertThat(KafkaCluster.settings(3))
                .contains(
                        entry("default.replication.factor", "3"),
                        entry("min.insync.replicas", "2"),
                        entry("offsets.topic.replication.factor", "3"),
                        entry("transaction.state.log.replication.factor", "3"),
                        entry("transaction.state.log.min.isr", "2"),
                        entry("unclean.leader.election.enable", "false"),
                        entry("replica.lag.time.max.ms", "10000"));
        assertThat(KafkaCluster.replicationFactor(3)).isEqualTo(3);
        assertThat(KafkaCluster.minInsyncReplicas(3)).isEqualTo(2);
    }

    @Test
    void oneBrokerKeepsOneReplicaOfEverything() {
        assertThat(KafkaCluster.settings(1))
                .contains(
                        entry("default.replication.factor", "1"),
                        entry("min.insync.replicas", "1"),
                        entry("offsets.topic.replication.factor", "1"),
                        entry("transaction.state.log.replication.factor", "1"),
                        entry("transaction.state.log.min.isr", "1"))
                .doesNotContainKey("replica.lag.time.max.ms");
    }
}
