package dev.outboxkit.quickstart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.quickstart.db.ExternalDatabase;
import dev.outboxkit.reconcile.Reconciler;
import dev.outboxkit.testkit.connect.SinkMetricsReader;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.PostgresServer;
import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * The whole pipeline on one machine, without Docker: a source database with change capture, an in-process
 * Kafka broker and Connect worker with the two plugins, MongoDB, the connectors from connect-configs/ registered
 * through the REST API, and a workload of orders (a business row and an outbox row per transaction). Ends with
 * a report; exits 1 when any committed event is missing from MongoDB.
 */
public final class Main {

    private static final PrintStream OUT = System.out;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SHIPPED_SECRETS_PATH = "/etc/kafka-connect/secrets/outboxkit.properties";
    private static final String DATABASE = "shop";
    private static final String EVENTS_DATABASE = "outbox_events";
    private static final Duration CONNECTOR_TIMEOUT = Duration.ofSeconds(180);
    /** Set by run-pipeline.sh when the JMX exporter agent runs in this JVM (--metrics). */
    private static final String METRICS_URL = System.getProperty("outboxkit.metrics.url");

    private Main() {
    }

    record Options(String source, String jdbcUrl, String jdbcUser, String jdbcPassword, String mongoUri, int orders,
                   boolean keepRunning, Path repository) {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("run-pipeline: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        try {
            System.exit(run(options));
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Main.class).error("run-pipeline failed", e);
            System.err.println();
            System.err.println("run-pipeline failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            System.err.println("(details in quickstart/target/quickstart.log)");
            System.exit(1);
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: ./run-pipeline.sh [--orders N] [--source mariadb|postgres] [--jdbc-url URL --jdbc-user U --jdbc-password P]",
                "                         [--mongo-uri URI] [--keep-running] [--metrics [--metrics-port 9404]]",
                "  --orders N        orders to write, each a business row and an outbox row in one transaction (default 3000)",
                "  --source          database started from a binary shipped in a Maven artifact: mariadb (default) or postgres",
                "  --jdbc-url        use an existing MySQL/MariaDB (binlog ROW) or PostgreSQL (wal_level=logical) instead",
                "  --mongo-uri       use this MongoDB instead of the in-process MongoDB-compatible server",
                "  --keep-running    leave everything up after the report, until Ctrl-C",
                "  --metrics         run the worker with the Prometheus JMX exporter agent and ops/jmx-exporter.yml",
                "  --metrics-port N  the agent's port on 127.0.0.1 (default 9404); implies --metrics");
    }

    static Options parse(String[] args) {
        String source = "mariadb";
        String jdbcUrl = null;
        String jdbcUser = null;
        String jdbcPassword = "";
        String mongoUri = null;
        int orders = 3000;
        boolean keepRunning = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--keep-running")) {
                keepRunning = true;
                continue;
            }
            if (arg.equals("-h") || arg.equals("--help")) {
                OUT.println(usage());
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + arg + " needs a value");
            }
            String value = args[++i];
            switch (arg) {
                case "--orders" -> orders = Arguments.positive(arg, value);
                case "--source" -> {
                    if (!value.equals("mariadb") && !value.equals("postgres")) {
                        throw new IllegalArgumentException("--source must be mariadb or postgres, not '" + value + "'");
                    }
                    source = value;
                }
                case "--jdbc-url" -> jdbcUrl = value;
                case "--jdbc-user" -> jdbcUser = value;
                case "--jdbc-password" -> jdbcPassword = value;
                case "--mongo-uri" -> mongoUri = value;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (jdbcUrl != null && jdbcUser == null) {
            throw new IllegalArgumentException("--jdbc-url needs --jdbc-user (and --jdbc-password unless empty)");
        }
        Path repository = Path.of(System.getProperty("outboxkit.repository", ".")).toAbsolutePath().normalize();
        return new Options(source, jdbcUrl, jdbcUser, jdbcPassword, mongoUri, orders, keepRunning, repository);
    }


    static int run(Options options) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(resources), "outboxkit-shutdown"));
        try {
            step("Starting the source database");
            SqlDatabase db = quietly(() -> startDatabase(options));
            resources.add(0, db);
            String database = db instanceof ExternalDatabase external ? external.database() : DATABASE;
            if (!(db instanceof ExternalDatabase)) {
                db.execute(db.isPostgres() ? "postgres" : "mysql", "CREATE DATABASE " + DATABASE);
            }
            db.execute(database, OutboxWorkload.ORDERS_TABLE, db.isPostgres()
                    ? OutboxWorkload.postgresSchema("outbox") : OutboxWorkload.mariaDbSchema("outbox"));
            done(db.isPostgres() ? "PostgreSQL" : "MySQL/MariaDB", db.host() + ":" + db.port() + "/" + database);

            step("Starting MongoDB");
            String mongoUri = options.mongoUri();
            if (mongoUri == null) {
                MongoServer server = new MongoServer(new MemoryBackend());
                server.bind("127.0.0.1", 0);
                resources.add(0, server::shutdownNow);
                mongoUri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            }
            MongoClient mongo = MongoClients.create(mongoUri);
            resources.add(0, mongo);
            done(options.mongoUri() == null ? "in-process MongoDB-compatible server" : "MongoDB", mongoUri);

            step("Starting Kafka (KRaft) and Kafka Connect");
            LocalConnect connect = startConnect(options);
            resources.add(0, connect);
            done("Kafka Connect REST API", connect.restUrl());
            if (METRICS_URL != null) {
                OUT.println(String.format("%-52s", "") + " Prometheus metrics (JMX exporter) at " + METRICS_URL);
            }

            step("Registering connect-configs/ through the REST API");
            Path secrets = writeSecrets(options, db, mongoUri);
            Path rendered = options.repository().resolve("quickstart/target/connect-configs");
            Files.createDirectories(rendered);
            String sourceFile = db.isPostgres() ? "postgres-outbox-source.json" : "mariadb-outbox-source.json";
            Map<String, String> sourceConfig = render(options, sourceFile, secrets, sourceOverrides(db, database, connect));
            Map<String, String> sinkConfig = render(options, "mongo-log-sink.json", secrets, Map.of(
                    "database", EVENTS_DATABASE, "errors.deadletterqueue.topic.replication.factor", "1"));
            String sourceName = sourceFile.replace(".json", "");
            Files.writeString(rendered.resolve(sourceName + ".json"), JSON.writeValueAsString(sourceConfig));
            Files.writeString(rendered.resolve("mongo-log-sink.json"), JSON.writeValueAsString(sinkConfig));
            ConnectorRegistrar registrar = new ConnectorRegistrar(connect.restUrl());
            registrar.register(sourceName, sourceConfig, CONNECTOR_TIMEOUT);
            registrar.register("mongo-log-sink", sinkConfig, CONNECTOR_TIMEOUT);
            OUT.println(" " + sourceName + " and mongo-log-sink RUNNING");

            ArrivalTracker arrivals = new ArrivalTracker(mongo, EVENTS_DATABASE);
            resources.add(0, arrivals);
            String prefix = "run" + Long.toString(System.currentTimeMillis(), 36);
            // One opening event per aggregate type: each creates its topic, which the sink finds at its next metadata
            // refresh. Timed on their own, so that the orders below measure the running pipeline.
            List<OutboxWorkload.Event> committed = new ArrayList<>(OutboxWorkload.write(db, database, "outbox", prefix, 0,
                    OutboxWorkload.AGGREGATE_TYPES.size(), (event, at) -> arrivals.committed(event.id(), at)));
            long openedAt = System.currentTimeMillis();
            while (arrivals.pendingCount() > 0 && System.currentTimeMillis() < openedAt + 120_000) {
                Thread.sleep(ArrivalTracker.POLL_MS);
            }
            long newTypesMs = arrivals.maxLatency();
            arrivals.clearLatencies();

            OUT.println();
            OUT.println("Writing " + options.orders() + " orders, each a business row and an outbox row in one transaction");
            ProgressBar progress = new ProgressBar(options.orders());
            long started = System.currentTimeMillis();
            committed.addAll(OutboxWorkload.write(db, database, "outbox", prefix, committed.size(), options.orders(),
                    (event, at) -> {
                        arrivals.committed(event.id(), at);
                        progress.advance();
                    }));
            long committedAt = System.currentTimeMillis();
            progress.finish();

            OUT.println("Waiting for every event to reach MongoDB");
            long deadline = System.currentTimeMillis() + Math.max(120_000, options.orders() * 20L);
            while (arrivals.pendingCount() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(ArrivalTracker.POLL_MS);
            }
            // This run's events only: a reused MongoDB or database may hold events of earlier runs.
            String runPrefix = prefix + "-";
            Reconciler.Result check = Reconciler.reconcile(new Reconciler.Request(connect.bootstrapServers(),
                    Pattern.compile("outbox\\.event\\..*"), "id", EVENTS_DATABASE, List.of(), null, Duration.ofSeconds(60), 5000,
                    id -> id.startsWith(runPrefix)), mongo);
            java.util.Set<String> stored = storedIds(mongo, runPrefix);
            // Missing: committed events (by id) that MongoDB does not hold, whether or not they reached a topic.
            List<String> missingIds = committed.stream().map(OutboxWorkload.Event::id).filter(id -> !stored.contains(id)).toList();
            long strays = check.strayCount();
            report(committed.size(), check, stored.size(), missingIds, strays, arrivals, started, committedAt, newTypesMs);
            long missing = missingIds.size();

            if (options.keepRunning()) {
                keepRunning(connect, mongoUri, rendered, sourceName, secrets);
            }
            return missing == 0 && strays == 0 ? 0 : 1;
        } finally {
            if (!options.keepRunning()) {
                closeAll(resources);
            }
        }
    }

    /** The ids of this run's events in MongoDB (every collection of the events database). */
    private static java.util.Set<String> storedIds(MongoClient mongo, String idPrefix) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        var db = mongo.getDatabase(EVENTS_DATABASE);
        for (String collection : db.listCollectionNames()) {
            db.getCollection(collection).find(com.mongodb.client.model.Filters.regex("_id", "^" + Pattern.quote(idPrefix)))
                    .projection(com.mongodb.client.model.Projections.include("_id"))
                    .forEach(document -> ids.add(String.valueOf(document.get("_id"))));
        }
        return ids;
    }

    /** Runs a start-up step with standard error silenced: embedded servers print notes there. */
    private static <T> T quietly(java.util.concurrent.Callable<T> step) throws Exception {
        PrintStream errors = System.err;
        System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return step.call();
        } finally {
            System.setErr(errors);
        }
    }

    private static SqlDatabase startDatabase(Options options) throws Exception {
        if (options.jdbcUrl() != null) {
            ExternalDatabase db = new ExternalDatabase(options.jdbcUrl(), options.jdbcUser(), options.jdbcPassword());
            try {
                db.checkChangeCapture();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("Cannot connect to " + options.jdbcUrl() + " as " + options.jdbcUser() + ": "
                        + e.getMessage());
            }
            return db;
        }
        try {
            return options.source().equals("postgres") ? new PostgresServer() : new MariaDbServer(1);
        } catch (RuntimeException e) {
            throw new IllegalStateException("The bundled " + options.source() + " did not start (" + rootCause(e) + "). It needs"
                    + " Linux x86-64; elsewhere use --jdbc-url with a MySQL/MariaDB (binlog ROW) or PostgreSQL"
                    + " (wal_level=logical) you run" + (options.source().equals("mariadb") ? ", or try --source postgres" : ""));
        }
    }

    private static LocalConnect startConnect(Options options) {
        return new LocalConnect(options.repository().resolve("quickstart/target/connect-plugins"));
    }

    private static Map<String, String> sourceOverrides(SqlDatabase db, String database, LocalConnect connect) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database.hostname", db.host());
        overrides.put("database.port", Integer.toString(db.port()));
        overrides.put("database.user", db.user());
        if (db.isPostgres()) {
            overrides.put("database.dbname", database);
            overrides.put("slot.drop.on.stop", "true");
        } else {
            overrides.put("database.include.list", database);
            overrides.put("table.include.list", database + "\\.outbox.*");
            overrides.put("schema.history.internal.kafka.bootstrap.servers", connect.bootstrapServers());
            // Unique among the database's binlog readers (a Debezium the user already runs may use the shipped id).
            overrides.put("database.server.id", Integer.toString(5_000_000 + new java.util.Random().nextInt(1_000_000)));
        }
        overrides.put("topic.creation.default.partitions", "3");
        // The shipped configs are for a three-broker cluster; the local pipeline runs one broker.
        overrides.put("topic.creation.default.replication.factor", "1");
        overrides.put("topic.creation.default.min.insync.replicas", "1");
        return overrides;
    }

    private static Path writeSecrets(Options options, SqlDatabase db, String mongoUri) throws IOException {
        Path file = options.repository().resolve("quickstart/target/secrets/outboxkit.properties");
        Files.createDirectories(file.getParent());
        Properties secrets = new Properties();
        secrets.put("mariadb.password", db.password());
        secrets.put("postgres.password", db.password());
        secrets.put("mongodb.uri", mongoUri);
        try (var out = Files.newOutputStream(file)) {
            secrets.store(out, "secrets of the local pipeline (generated by run-pipeline.sh)");
        }
        return file;
    }

    private static Map<String, String> render(Options options, String file, Path secrets, Map<String, String> overrides)
            throws IOException {
        String text = Files.readString(options.repository().resolve("connect-configs").resolve(file));
        Map<String, String> config = JSON.readValue(text.replace(SHIPPED_SECRETS_PATH, secrets.toString()),
                new TypeReference<LinkedHashMap<String, String>>() {
                });
        config.putAll(overrides);
        return config;
    }

    private static void report(int committed, Reconciler.Result check, long storedThisRun, List<String> missingIds, long strays,
                               ArrivalTracker arrivals, long started, long committedAt, long newTypesMs) {
        List<Long> latencies = new ArrayList<>(arrivals.latencies());
        latencies.sort(Long::compare);
        long end = Math.max(arrivals.lastArrivalMs(), committedAt);
        double seconds = Math.max(1, end - started) / 1000.0;
        int orders = committed - OutboxWorkload.AGGREGATE_TYPES.size();
        long duplicates;
        try {
            duplicates = SinkMetricsReader.sum(null, "DuplicatesSkipped");
        } catch (IllegalStateException e) {
            duplicates = -1; // The report goes on without this one figure.
        }
        OUT.println();
        OUT.println("Report");
        OUT.println(String.format(Locale.ROOT, "  events committed            %,d (%d opening events, one per aggregate type, and"
                + " %,d orders)", committed, OutboxWorkload.AGGREGATE_TYPES.size(), orders));
        OUT.println(String.format(Locale.ROOT, "  events on Kafka topics      %,d", check.topicEvents()));
        OUT.println(String.format(Locale.ROOT, "  events in MongoDB           %,d%s", storedThisRun,
                check.documents() > storedThisRun ? String.format(Locale.ROOT, " (plus %,d from earlier runs)",
                        check.documents() - storedThisRun) : ""));
        OUT.println(String.format(Locale.ROOT, "  duplicates skipped (sink)   %,d", duplicates));
        long missing = missingIds.size();
        OUT.println(String.format(Locale.ROOT, "  missing in MongoDB          %,d%s", missing,
                missing == 0 ? "" : "  [" + String.join(", ", missingIds.subList(0, Math.min(5, missingIds.size()))) + "]"));
        OUT.println(String.format(Locale.ROOT, "  in MongoDB, on no topic     %,d", strays));
        OUT.println(String.format(Locale.ROOT, "  new aggregate types         first event in MongoDB after %,d ms (a new topic,"
                + " found at the sink's next metadata refresh)", newTypesMs));
        OUT.println(String.format(Locale.ROOT, "  throughput                  %,.0f events/s (orders: first commit to last event stored)",
                orders / seconds));
        OUT.println(String.format(Locale.ROOT, "  commit-to-MongoDB latency   p50 %d ms, p95 %d ms, p99 %d ms (orders; resolution ~%d ms)",
                ArrivalTracker.percentile(latencies, 50), ArrivalTracker.percentile(latencies, 95),
                ArrivalTracker.percentile(latencies, 99), ArrivalTracker.POLL_MS));
        OUT.println(missing == 0 && strays == 0 ? "  result                      OK: every committed event is in MongoDB exactly once"
                : "  result                      FAILED: see the gaps above");
    }

    private static void keepRunning(LocalConnect connect, String mongoUri, Path rendered, String sourceName, Path secrets)
            throws InterruptedException {
        String rest = connect.restUrl();
        OUT.println();
        OUT.println("The pipeline keeps running. Press Ctrl-C to stop it.");
        OUT.println("  Kafka Connect REST API   " + rest);
        OUT.println("  Kafka bootstrap servers  " + connect.bootstrapServers());
        OUT.println("  MongoDB                  " + mongoUri + " (database " + EVENTS_DATABASE + ")");
        if (METRICS_URL != null) {
            OUT.println("  Prometheus metrics       " + METRICS_URL + "   (scrape config: ops/prometheus.yml)");
        }
        OUT.println();
        OUT.println("Try:");
        OUT.println("  curl -s " + rest + "/connectors?expand=status");
        OUT.println("  curl -s " + rest + "/connectors/mongo-log-sink/status");
        OUT.println("  curl -s -X POST '" + rest + "/connectors/mongo-log-sink/restart?includeTasks=true&onlyFailed=true'");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/pause");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/resume");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/stop && curl -s -X DELETE " + rest
                + "/connectors/mongo-log-sink/offsets && curl -s -X PUT " + rest + "/connectors/mongo-log-sink/resume"
                + "   # replay: no document changes");
        OUT.println("  connect-configs/register.sh " + rest + " " + rendered.resolve(sourceName + ".json") + " "
                + rendered.resolve("mongo-log-sink.json") + "   # idempotent");
        OUT.println("  ./reconcile.sh --bootstrap-servers " + connect.bootstrapServers() + " --mongo-uri-file "
                 + secrets + " --database " + EVENTS_DATABASE);
        new CountDownLatch(1).await();
    }

    private static void step(String what) {
        OUT.print(String.format("%-52s", what + " ..."));
        OUT.flush();
    }

    private static void done(String what, String where) {
        OUT.println(" " + what + " at " + where);
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static void closeAll(List<AutoCloseable> resources) {
        List<AutoCloseable> toClose;
        synchronized (resources) {
            toClose = new ArrayList<>(resources);
            resources.clear();
        }
        for (AutoCloseable resource : toClose) {
            try {
                resource.close();
            } catch (Exception e) {
                // Shutting down: nothing more to do.
            }
        }
    }

    /** A one-line progress bar on standard output. */
    private static final class ProgressBar {
        private static final int WIDTH = 40;
        private final int total;
        private int done;
        private int shown = -1;

        ProgressBar(int total) {
            this.total = total;
        }

        void advance() {
            done++;
            int filled = (int) ((long) done * WIDTH / total);
            if (filled != shown || done == total) {
                shown = filled;
                OUT.print("\r  [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + " orders");
                OUT.flush();
            }
        }

        void finish() {
            OUT.println();
        }
    }
}
