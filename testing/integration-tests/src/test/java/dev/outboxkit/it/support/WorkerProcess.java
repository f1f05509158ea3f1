package dev.outboxkit.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import dev.outboxkit.testkit.db.Ports;

/**
 * A Kafka Connect worker in a JVM of its own ({@code ConnectDistributed}, the test's class path), in the group of a
 * {@link ConnectStack}'s embedded workers: so that a test can crash it with SIGKILL, which no embedded worker allows
 * (removing one stops it gracefully). Its output goes to {@code target/<name>.log}.
 */
public final class WorkerProcess implements AutoCloseable {

    private final String name;
    private final int restPort = Ports.free();
    private final Process process;

    /** Starts a worker with the stack's worker settings, in its group, on a REST port of its own. */
    public WorkerProcess(String name, ConnectStack stack) {
        this(name, stack.bootstrapServers(), stack.workerProps());
    }

    /**
     * Starts a worker with these settings (they must name the group and its topics) on the broker, on a REST port
     * of its own: several of them make a group of worker processes only, in which any worker can be crashed.
     */
    public WorkerProcess(String name, String bootstrapServers, Map<String, String> workerProps) {
        this.name = name;
        Properties worker = new Properties();
        worker.putAll(workerProps);
        worker.put("bootstrap.servers", bootstrapServers);
        worker.putIfAbsent("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.putIfAbsent("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("listeners", "http://127.0.0.1:" + restPort);
        worker.put("rest.advertised.host.name", "127.0.0.1");
        worker.put("rest.advertised.port", Integer.toString(restPort));
        for (String required :
                List.of("group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic")) {
            if (!worker.containsKey(required)) {
                throw new IllegalArgumentException(
                        "The stack must name its " + required + " for a worker process to join it");
            }
        }
        Path target = Path.of("target").toAbsolutePath();
        Path config = target.resolve(name + ".properties");
        try {
            try (var out = Files.newOutputStream(config)) {
                worker.store(out, "worker process " + name);
            }
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "org.apache.kafka.connect.cli.ConnectDistributed",
                    config.toString()));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            target.resolve(name + ".log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start worker process " + name, e);
        }
    }

    /** The worker id Connect reports in task statuses. */
    public String workerId() {
        return "127.0.0.1:" + restPort;
    }

    public String url() {
        return "http://127.0.0.1:" + restPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Whether its REST port accepts a connection now. */
    public boolean restPortOpen() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", restPort), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: no shutdown hook runs, no task stops, no offset is committed, as when a machine dies. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    "Worker process " + name + " (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
        }
    }

    /**
     * SIGTERM: the worker's shutdown hook stops its tasks (committing what they produced) and leaves the group, as
     * when an operator stops a worker.
     */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    "Worker process " + name + " (pid " + process.pid() + ") did not stop within 60 s of SIGTERM");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", " + workerId() + ")";
    }

    /** The settings a stack needs so that a worker process can join its group: the group and topic names. */
    public static Map<String, String> groupSettings(String group) {
        return Map.of(
                "group.id",
                group,
                "config.storage.topic",
                group + "-configs",
                "offset.storage.topic",
                group + "-offsets",
                "status.storage.topic",
                group + "-status",
                "config.storage.replication.factor",
                "1",
                "offset.storage.replication.factor",
                "1",
                "status.storage.replication.factor",
                "1");
    }
}
