package dev.outboxkit.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.outboxkit.chaos.process.KafkaCluster.PartitionState;

/** Which partition's leader a fault kills, and which follower it stops, from the cluster's partition states. */
class BrokerFaultsTest {

    private static final PartitionState ORDER_0 = state("outbox.event.Order", 0, 2, List.of(2, 3, 1), List.of(2, 3, 1));
    private static final PartitionState ORDER_1 = state("outbox.event.Order", 1, -1, List.of(3, 1, 2), List.of());
    private static final PartitionState ORDER_2 = state("outbox.event.Order", 2, 1, List.of(1, 2, 3), List.of(1));
    private static final PartitionState PAYMENT_0 =
            state("outbox.event.Payment", 0, 3, List.of(3, 1, 2), List.of(3, 1));

    @Test
    void theLeaderTargetIsAPartitionWithALeaderAndChangesFromFaultToFault() {
        List<PartitionState> states = List.of(ORDER_0, ORDER_1, ORDER_2, PAYMENT_0);
        assertThat(BrokerFaults.leaderTarget(states, 0)).contains(ORDER_0);
        assertThat(BrokerFaults.leaderTarget(states, 1)).contains(ORDER_2);
        assertThat(BrokerFaults.leaderTarget(states, 2)).contains(PAYMENT_0);
        assertThat(BrokerFaults.leaderTarget(states, 3)).contains(ORDER_0);
        assertThat(BrokerFaults.leaderTarget(List.of(ORDER_1), 5)).isEmpty();
    }

    @Test
    void theFollowerTargetHasAnInSyncFollowerBesidesItsLeader() {
        List<PartitionState> states = List.of(ORDER_0, ORDER_1, ORDER_2, PAYMENT_0);
        // ORDER_1 has no leader and ORDER_2 no in-sync follower: neither can lose a follower from its ISR.
        assertThat(BrokerFaults.followerTarget(states, 0)).contains(ORDER_0);
        assertThat(BrokerFaults.followerTarget(states, 1)).contains(PAYMENT_0);
        assertThat(BrokerFaults.followerTarget(states, 2)).contains(ORDER_0);
        assertThat(BrokerFaults.followerTarget(List.of(ORDER_1, ORDER_2), 0)).isEmpty();
    }

    @Test
    void aPartitionIsUnderReplicatedWhenItsIsrIsSmallerThanItsReplicas() {
        assertThat(ORDER_0.underReplicated()).isFalse();
        assertThat(ORDER_2.underReplicated()).isTrue();
        assertThat(PAYMENT_0.underReplicated()).isTrue();
    }

    private static PartitionState state(
            String topic, int partition, int leader, List<Integer> replicas, List<Integer> isr) {
        return new PartitionState(new TopicPartition(topic, partition), leader, replicas, isr);
    }
}
