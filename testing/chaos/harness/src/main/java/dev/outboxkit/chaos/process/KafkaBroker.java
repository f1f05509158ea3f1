package dev.outboxkit.chaos.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import dev.outboxkit.chaos.Await;
import dev.outboxkit.testkit.db.Ports;

/**
 * One KRaft node that is broker and controller, in its own JVM, with its log directory kept across kills: what a
 * {@code kill -9} and a restart of the broker look like to the clients.
 */
public final class KafkaBroker {

    private final int port = Ports.free();
    private final int controllerPort = Ports.free();
    private final JvmProcess process;

    public KafkaBroker(KafkaRuntime runtime, Path directory) {
        Path data = directory.resolve("broker-data");
        Path config = directory.resolve("server.properties");
        Properties server = new Properties();
        server.put("process.roles", "broker,controller");
        server.put("node.id", "1");
        server.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        server.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        server.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        server.put("controller.listener.names", "CONTROLLER");
        server.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        server.put("inter.broker.listener.name", "PLAINTEXT");
        server.put("log.dirs", data.toString());
        server.put("offsets.topic.replication.factor", "1");
        server.put("transaction.state.log.replication.factor", "1");
        server.put("transaction.state.log.min.isr", "1");
        server.put("num.partitions", "3");
        server.put("group.initial.rebalance.delay.ms", "0");
        server.put("auto.create.topics.enable", "false");
        try (var out = Files.newOutputStream(config)) {
            server.store(out, "chaos broker");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> options = new ArrayList<>(List.of("-Xmx768m", "-XX:+UseG1GC"));
        options.addAll(runtime.loggingOptions());
        format(runtime, options, config, directory);
        process = new JvmProcess("broker", runtime.classpath(), options, "kafka.Kafka", List.of(config.toString()),
                directory.resolve("broker.log"));
    }

    private static void format(KafkaRuntime runtime, List<String> options, Path config, Path directory) {
        JvmProcess storageTool = new JvmProcess("storage-format", runtime.classpath(), options, "kafka.tools.StorageTool",
                List.of("format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22), "-c", config.toString()),
                directory.resolve("storage-format.log"));
        storageTool.start();
        Await.until("the broker's storage is formatted", 60, () -> !storageTool.isAlive());
    }

    public void start() {
        process.start();
    }

    public JvmProcess process() {
        return process;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }
}
