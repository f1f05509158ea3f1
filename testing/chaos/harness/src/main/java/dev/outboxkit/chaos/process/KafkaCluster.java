package dev.outboxkit.chaos.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.Ports;

/**
 * The run's Kafka: one KRaft node, or three nodes that are each broker and controller (a three-voter quorum, so that
 * one node can be killed, stopped or restarted while the other two keep a majority). With three, every topic is
 * replicated three times and needs two in-sync replicas to take a write ({@link #settings(int)}), the same settings
 * the shipped compose file gives its brokers.
 */
public final class KafkaCluster implements AutoCloseable {

    /** A partition as the controller reports it: its leader (-1: none), its replicas and its in-sync replicas. */
    public record PartitionState(TopicPartition partition, int leader, List<Integer> replicas, List<Integer> isr) {
        public boolean underReplicated() {
            return isr.size() < replicas.size();
        }
    }

    private final List<KafkaBroker> nodes = new ArrayList<>();
    private final int size;

    public KafkaCluster(KafkaRuntime runtime, Path directory, int brokers) {
        if (brokers != 1 && brokers != 3) {
            throw new IllegalArgumentException("--brokers must be 1 or 3, not " + brokers);
        }
        this.size = brokers;
        List<int[]> ports = new ArrayList<>();
        StringBuilder voters = new StringBuilder();
        for (int id = 1; id <= brokers; id++) {
            int[] pair = {Ports.free(), Ports.free()};
            ports.add(pair);
            voters.append(voters.isEmpty() ? "" : ",")
                    .append(id)
                    .append("@127.0.0.1:")
                    .append(pair[1]);
        }
        String heap = brokers == 1 ? "-Xmx768m" : "-Xmx512m";
        for (int id = 1; id <= brokers; id++) {
            nodes.add(new KafkaBroker(
                    runtime,
                    directory,
                    id,
                    ports.get(id - 1)[0],
                    ports.get(id - 1)[1],
                    voters.toString(),
                    settings(brokers),
                    heap));
        }
        String clusterId = UUID.randomUUID().toString().replace("-", "").substring(0, 22);
        List<JvmProcess> formatters = nodes.stream()
                .map(node -> node.formatter(runtime, directory, clusterId))
                .toList();
        formatters.forEach(JvmProcess::start);
        Wait.until(
                "every broker's storage is formatted",
                Duration.ofSeconds(120),
                () -> formatters.stream().noneMatch(JvmProcess::isAlive));
    }

    /**
     * The settings every node gets. Three nodes: replication factor 3 for every topic the brokers create (Connect's
     * internal topics ask for it explicitly too), two in-sync replicas for a write, the transaction log likewise
     * (exactly-once source tasks write through it), no unclean leader election, and a follower that has not fetched
     * for 10 s leaves the in-sync replicas (30 s by default; shorter so that a stopped broker leaves within a fault).
     */
    public static Map<String, String> settings(int brokers) {
        Map<String, String> settings = new LinkedHashMap<>();
        String replication = Integer.toString(replicationFactor(brokers));
        String minIsr = Integer.toString(minInsyncReplicas(brokers));
        settings.put("default.replication.factor", replication);
        settings.put("min.insync.replicas", minIsr);
        settings.put("offsets.topic.replication.factor", replication);
        settings.put("transaction.state.log.replication.factor", replication);
        settings.put("transaction.state.log.min.isr", minIsr);
        settings.put("unclean.leader.election.enable", "false");
        if (brokers > 1) {
            settings.put("replica.lag.time.max.ms", "10000");
            settings.put("offsets.topic.num.partitions", "10");
            settings.put("transaction.state.log.num.partitions", "10");
        }
        return settings;
    }

    public static int replicationFactor(int brokers) {
        return brokers >= 3 ? 3 : 1;
    }

    public static int minInsyncReplicas(int brokers) {
        return brokers >= 3 ? 2 : 1;
    }

    public int replicationFactor() {
        return replicationFactor(size);
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas(size);
    }

    /** Starts every node and waits until all of them are registered with the controller. */
    public void start() {
        nodes.forEach(KafkaBroker::start);
        Wait.until(
                "all " + size + " brokers are registered",
                Duration.ofSeconds(180),
                () -> liveNodes().size() == size);
    }

    public int size() {
        return size;
    }

    public List<KafkaBroker> nodes() {
        return nodes;
    }

    public KafkaBroker node(int id) {
        return nodes.get(id - 1);
    }

    public String bootstrapServers() {
        return nodes.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** An admin client with short timeouts, for one question; close it. */
    public Admin admin() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers());
        props.put("request.timeout.ms", "5000");
        props.put("default.api.timeout.ms", "15000");
        return Admin.create(props);
    }

    /** The node ids the controller has registered and not fenced now (empty when no broker answers). */
    public Set<Integer> liveNodes() {
        try (Admin admin = admin()) {
            return admin.describeCluster().nodes().get().stream()
                    .map(Node::id)
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (ExecutionException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
    }

    /**
     * The node that coordinates this group now: the leader of the group's partition of {@code __consumer_offsets}
     * (the partition is the group id's hash modulo the topic's partitions, as the brokers place groups); -1 if none.
     */
    public int groupCoordinator(String groupId) throws Exception {
        List<PartitionState> offsets = partitions(List.of("__consumer_offsets"));
        int hash = groupId.hashCode();
        int partition = (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % offsets.size();
        return offsets.get(partition).leader();
    }

    /**
     * Makes this node the partition's leader: its replicas reordered with the node first (the same replicas, so no
     * data moves), then a preferred-leader election. Returns once the controller reports the node as leader.
     */
    public void makeLeader(TopicPartition partition, int node) throws Exception {
        PartitionState state = state(partition);
        if (state.leader() == node) {
            return;
        }
        List<Integer> replicas = new ArrayList<>(List.of(node));
        state.replicas().stream().filter(id -> id != node).forEach(replicas::add);
        try (Admin admin = admin()) {
            admin.alterPartitionReassignments(Map.of(partition, Optional.of(new NewPartitionReassignment(replicas))))
                    .all()
                    .get();
            Wait.until(
                    partition + " has the replicas " + replicas,
                    Duration.ofSeconds(60),
                    () -> replicas.equals(state(partition).replicas()));
            admin.electLeaders(ElectionType.PREFERRED, Set.of(partition)).all().get();
        }
        Wait.until(
                partition + " is led by node " + node,
                Duration.ofSeconds(60),
                () -> state(partition).leader() == node);
    }

    /** One partition's state now. */
    public PartitionState state(TopicPartition partition) {
        try {
            return partitions(List.of(partition.topic())).stream()
                    .filter(s -> s.partition().equals(partition))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(partition + " is not described"));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("describing " + partition + ": " + e, e);
        }
    }

    /** The partitions of these topics (or, for null, of every topic including the internal ones), ordered. */
    public List<PartitionState> partitions(Collection<String> topics) throws Exception {
        try (Admin admin = admin()) {
            Collection<String> names = topics != null
                    ? topics
                    : admin.listTopics(new ListTopicsOptions().listInternal(true))
                            .names()
                            .get();
            List<PartitionState> states = new ArrayList<>();
            for (TopicDescription description :
                    admin.describeTopics(names).allTopicNames().get().values()) {
                for (TopicPartitionInfo info : description.partitions()) {
                    states.add(new PartitionState(
                            new TopicPartition(description.name(), info.partition()),
                            info.leader() == null || info.leader().isEmpty()
                                    ? -1
                                    : info.leader().id(),
                            info.replicas().stream().map(Node::id).toList(),
                            info.isr().stream().map(Node::id).toList()));
                }
            }
            states.sort(Comparator.comparing((PartitionState s) -> s.partition().topic())
                    .thenComparingInt(s -> s.partition().partition()));
            return states;
        }
    }

    /** Partitions of every topic whose in-sync replicas are fewer than their replicas. */
    public List<PartitionState> underReplicated() throws Exception {
        return partitions(null).stream().filter(PartitionState::underReplicated).toList();
    }

    /**
     * What differs from the cluster's replication settings among these topics: each must have the replication factor
     * and min.insync.replicas the cluster promises ({@link #settings(int)}); one line per topic that does not.
     */
    public List<String> replicationProblems(Collection<String> topics) throws Exception {
        List<String> problems = new ArrayList<>();
        try (Admin admin = admin()) {
            Map<String, TopicDescription> descriptions =
                    admin.describeTopics(topics).allTopicNames().get();
            List<ConfigResource> resources = topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                    .toList();
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get();
            for (String topic : topics) {
                int replicas =
                        descriptions.get(topic).partitions().get(0).replicas().size();
                String minIsr = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic))
                        .get("min.insync.replicas")
                        .value();
                if (replicas != replicationFactor() || !minIsr.equals(Integer.toString(minInsyncReplicas()))) {
                    problems.add(topic + ": replication factor " + replicas + ", min.insync.replicas " + minIsr
                            + " (want " + replicationFactor() + " and " + minInsyncReplicas() + ")");
                }
            }
        }
        return problems;
    }

    /** kill -9 of every node (a stopped one too). */
    @Override
    public void close() {
        nodes.forEach(node -> node.process().kill());
    }
}
