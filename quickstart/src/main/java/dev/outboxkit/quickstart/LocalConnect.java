package dev.outboxkit.quickstart;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/**
 * A KRaft broker and one Kafka Connect worker in this process (Kafka's own embedded cluster), with the REST API
 * on a free port of localhost, the plugin directories in its plugin path, service-loader plugin discovery, a file config
 * provider for the connectors' secrets, and exactly-once source support.
 */
final class LocalConnect implements AutoCloseable {

    private final EmbeddedConnectCluster cluster;

    LocalConnect(Path pluginsDir) {
        if (!Files.isDirectory(pluginsDir.resolve("outboxkit-outbox-router-smt"))
                || !Files.isDirectory(pluginsDir.resolve("outboxkit-mongo-log-sink"))) {
            throw new IllegalStateException(
                    "The plugin directories are missing under " + pluginsDir + ": build first with"
                            + " ./mvnw -pl quickstart -am package -DskipTests (run-pipeline.sh does it)");
        }
        Map<String, String> worker = new HashMap<>();
        worker.put("plugin.path", pluginsDir.toAbsolutePath().toString());
        worker.put("plugin.discovery", "service_load");
        worker.put("config.providers", "file");
        worker.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        worker.put("offset.flush.interval.ms", "1000");
        worker.put("consumer.metadata.max.age.ms", "2000");
        // Exactly-once source (KIP-618), as the shipped source configs require: records and offsets in one transaction.
        worker.put("exactly.once.source.support", "enabled");
        Properties broker = new Properties();
        broker.put("num.partitions", "3");
        // One broker: the transaction log cannot have the default three replicas.
        broker.put("transaction.state.log.replication.factor", "1");
        broker.put("transaction.state.log.min.isr", "1");
        cluster = new EmbeddedConnectCluster.Builder()
                .name("outboxkit-local")
                .numWorkers(1)
                .workerProps(worker)
                .brokerProps(broker)
                .build();
        PrintStream console = System.out;
        // Kafka's storage formatter prints to standard output; keep the report readable.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            cluster.start();
        } finally {
            System.setOut(console);
        }
    }

    /** The worker's REST API; the embedded cluster picks a free port on localhost. */
    String restUrl() {
        String url = cluster.workers().iterator().next().url().toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    String bootstrapServers() {
        return cluster.kafka().bootstrapServers();
    }

    @Override
    public void close() {
        cluster.stop();
    }
}
