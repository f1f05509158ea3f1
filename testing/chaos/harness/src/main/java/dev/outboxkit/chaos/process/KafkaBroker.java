package dev.outboxkit.chaos.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One KRaft node that is broker and controller, in its own JVM, with its log directory kept across kills: what a
 * {@code kill -9}, a {@code SIGSTOP} and a restart of a broker look like to the clients. {@link KafkaCluster} starts
 * one or three of them.
 */
public final class KafkaBroker {

    private final int nodeId;
    private final int port;
    private final JvmProcess process;
    private final Path config;

    /**
     * @param voters   the controller quorum, {@code id@host:port,...}
     * @param settings the cluster-wide settings (replication, transactions), the same on every node
     */
    KafkaBroker(
            KafkaRuntime runtime,
            Path directory,
            int nodeId,
            int port,
            int controllerPort,
            String voters,
            Map<String, String> settings,
            String heap) {
        this.nodeId = nodeId;
        this.port = port;
        String name = nodeId == 1 && voters.split(",").length == 1 ? "broker" : "broker-" + nodeId;
        Path data = directory.resolve(name + "-data");
        this.config = directory.resolve(name + ".properties");
        Properties server = new Properties();
        server.put("process.roles", "broker,controller");
        server.put("node.id", Integer.toString(nodeId));
        server.put("controller.quorum.voters", voters);
        server.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        server.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        server.put("controller.listener.names", "CONTROLLER");
        server.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        server.put("inter.broker.listener.name", "PLAINTEXT");
        server.put("log.dirs", data.toString());
        server.put("num.partitions", "3");
        server.put("group.initial.rebalance.delay.ms", "0");
        server.put("auto.create.topics.enable", "false");
        server.putAll(settings);
        try (var out = Files.newOutputStream(config)) {
            server.store(out, "chaos " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> options = new ArrayList<>(List.of(heap, "-XX:+UseG1GC"));
        options.addAll(runtime.loggingOptions());
        process = new JvmProcess(
                name,
                runtime.classpath(),
                options,
                "kafka.Kafka",
                List.of(config.toString()),
                directory.resolve(name + ".log"));
    }

    /** The storage formatter for this node, as a process to start (all nodes of a cluster share the cluster id). */
    JvmProcess formatter(KafkaRuntime runtime, Path directory, String clusterId) {
        List<String> options = new ArrayList<>(List.of("-Xmx256m"));
        options.addAll(runtime.loggingOptions());
        return new JvmProcess(
                "storage-format-" + nodeId,
                runtime.classpath(),
                options,
                "kafka.tools.StorageTool",
                List.of("format", "-t", clusterId, "-c", config.toString()),
                directory.resolve("storage-format-" + nodeId + ".log"));
    }

    public void start() {
        process.start();
    }

    public JvmProcess process() {
        return process;
    }

    public int nodeId() {
        return nodeId;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public String toString() {
        return "node " + nodeId + " (" + process + ")";
    }
}
