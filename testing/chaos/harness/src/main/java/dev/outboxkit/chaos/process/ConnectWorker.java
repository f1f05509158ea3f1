package dev.outboxkit.chaos.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.outboxkit.testkit.db.Ports;

/**
 * A Kafka Connect worker in distributed mode, in its own JVM, in the run's one Connect group; its REST port (and so
 * its worker id, 127.0.0.1:port) stays the same across kills and restarts.
 */
public final class ConnectWorker {

    /** The group's config topic: connector and task configs, and what the leader reads before it fences zombies. */
    public static final String CONFIG_TOPIC = "chaos-connect-configs";
    /** The workers' group. */
    public static final String GROUP_ID = "chaos-connect";

    private final int restPort = Ports.free();
    private final JvmProcess process;
    private final String name;

    public ConnectWorker(
            String name, KafkaRuntime runtime, Path directory, KafkaCluster kafka, List<Path> pluginDirectories) {
        this.name = name;
        Properties worker = new Properties();
        worker.put("bootstrap.servers", kafka.bootstrapServers());
        worker.put("group.id", GROUP_ID);
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("config.storage.topic", CONFIG_TOPIC);
        worker.put("offset.storage.topic", "chaos-connect-offsets");
        worker.put("status.storage.topic", "chaos-connect-status");
        // The internal topics as replicated as the outbox topics (min.insync.replicas comes from the brokers).
        String replication = Integer.toString(kafka.replicationFactor());
        worker.put("config.storage.replication.factor", replication);
        worker.put("offset.storage.replication.factor", replication);
        worker.put("status.storage.replication.factor", replication);
        // Exactly-once source (KIP-618): source tasks write records and their offsets in one Kafka transaction.
        worker.put("exactly.once.source.support", "enabled");
        // Before an exactly-once source task starts, the group's leader reads the config topic to its end to fence
        // the task's zombies; the default 3 s is shorter than a crashed or stopped broker's partitions take to get a
        // new leader (9-12 s here), and the task then fails and stays FAILED. As the README's worker settings say.
        worker.put("worker.sync.timeout.ms", "30000");
        worker.put("offset.storage.partitions", "5");
        worker.put("status.storage.partitions", "1");
        worker.put("listeners", "http://127.0.0.1:" + restPort);
        worker.put("rest.advertised.host.name", "127.0.0.1");
        worker.put("rest.advertised.port", Integer.toString(restPort));
        List<String> plugins = new ArrayList<>();
        pluginDirectories.forEach(dir -> plugins.add(dir.toAbsolutePath().toString()));
        worker.put("plugin.path", String.join(",", plugins));
        worker.put("plugin.discovery", "service_load");
        worker.put("config.providers", "file");
        worker.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        worker.put("offset.flush.interval.ms", "1000");
        // A lost worker's tasks move after this delay (the default is 5 minutes).
        worker.put("scheduled.rebalance.max.delay.ms", "10000");
        worker.put("task.shutdown.graceful.timeout.ms", "10000");
        // Sink connectors subscribe by regex to topics the source creates later: find them within seconds, not the
        // consumer's default of 5 minutes.
        worker.put("consumer.metadata.max.age.ms", "2000");
        Path config = directory.resolve(name + ".properties");
        try (var out = Files.newOutputStream(config)) {
            worker.store(out, "chaos worker " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> options = new ArrayList<>(List.of("-Xmx768m", "-XX:+UseG1GC"));
        options.addAll(runtime.loggingOptions());
        process = new JvmProcess(
                name,
                runtime.classpath(),
                options,
                "org.apache.kafka.connect.cli.ConnectDistributed",
                List.of(config.toString()),
                directory.resolve(name + ".log"));
    }

    public String name() {
        return name;
    }

    public JvmProcess process() {
        return process;
    }

    public String url() {
        return "http://127.0.0.1:" + restPort;
    }

    /** The worker id Connect reports in task statuses. */
    public String workerId() {
        return "127.0.0.1:" + restPort;
    }
}
