package dev.outboxkit.quickstart;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.cli.Commands;
import dev.outboxkit.quickstart.db.ExternalDatabase;
import dev.outboxkit.reconcile.Reconciler;
import dev.outboxkit.testkit.connect.ConnectRest;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.OutboxDdl;
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
    private static final String DATABASE = "shop";
    static final String EVENTS_DATABASE = "outbox_events";
    /** The read model beside the log: connect-configs/mongo-read-model-sink.json, one document per aggregate. */
    static final String READ_MODEL_DATABASE = "outbox_read_model";

    private static final String READ_MODEL_SINK = "mongo-read-model-sink";
    private static final Duration CONNECTOR_TIMEOUT = Duration.ofSeconds(180);
    /** Set by run-pipeline.sh when the JMX exporter agent runs in this JVM (--metrics). */
    private static final String METRICS_URL = System.getProperty("outboxkit.metrics.url");

    private Main() {}

    public static void main(String[] args) {
        Options options = Options.from(Commands.parseOrExit("run-pipeline.sh", new Options.Arguments(), args));
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

    static int run(Options options) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(resources), "outboxkit-shutdown"));
        try {
            Console.step("Starting the source database");
            SqlDatabase db = quietly(() -> startDatabase(options));
            resources.add(0, db);
            String database = db instanceof ExternalDatabase external ? external.database() : DATABASE;
            if (!(db instanceof ExternalDatabase)) {
                db.execute(db.isPostgres() ? "postgres" : "mysql", "CREATE DATABASE " + DATABASE);
            }
            boolean polling = options.relay().equals("polling");
            if (polling) {
                // The polling source's table: the shipped DDL, as the README tells users to create it.
                db.execute(database, OutboxWorkload.ORDERS_TABLE);
                try (java.sql.Connection connection = db.connect(database)) {
                    OutboxDdl.create(
                            connection, options.repository().resolve("connect-configs"), db.isPostgres(), "outbox");
                }
            } else {
                db.execute(
                        database,
                        OutboxWorkload.ORDERS_TABLE,
                        db.isPostgres()
                                ? OutboxWorkload.postgresSchema("outbox")
                                : OutboxWorkload.mariaDbSchema("outbox"));
            }
            Console.done(
                    db.isPostgres() ? "PostgreSQL" : "MySQL/MariaDB", db.host() + ":" + db.port() + "/" + database);

            Console.step("Starting MongoDB");
            String mongoUri = options.mongoUri();
            if (mongoUri == null) {
                MongoServer server = new MongoServer(new MemoryBackend());
                server.bind("127.0.0.1", 0);
                resources.add(0, server::shutdownNow);
                mongoUri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            }
            MongoClient mongo = MongoClients.create(mongoUri);
            resources.add(0, mongo);
            Console.done(options.mongoUri() == null ? "in-process MongoDB-compatible server" : "MongoDB", mongoUri);

            Console.step("Starting Kafka (KRaft) and Kafka Connect");
            LocalConnect connect = startConnect(options);
            resources.add(0, connect);
            Console.done("Kafka Connect REST API", connect.restUrl());
            if (METRICS_URL != null) {
                OUT.println(String.format("%-52s", "") + " Prometheus metrics (JMX exporter) at " + METRICS_URL);
            }

            Console.step("Registering connect-configs/ through the REST API");
            Path secrets = Connectors.writeSecrets(options, db, mongoUri);
            Path rendered = options.repository().resolve("quickstart/target/connect-configs");
            Files.createDirectories(rendered);
            String sourceFile = polling
                    ? (db.isPostgres() ? "postgres-outbox-polling.json" : "mariadb-outbox-polling.json")
                    : db.isPostgres() ? "postgres-outbox-source.json" : "mariadb-outbox-source.json";
            Map<String, String> sourceConfig = Connectors.render(
                    options,
                    sourceFile,
                    secrets,
                    polling
                            ? Connectors.pollingOverrides(db, database)
                            : Connectors.sourceOverrides(db, database, connect));
            Map<String, String> sinkConfig = Connectors.render(
                    options,
                    "mongo-log-sink.json",
                    secrets,
                    Map.of("database", EVENTS_DATABASE, "errors.deadletterqueue.topic.replication.factor", "1"));
            String sourceName = sourceFile.replace(".json", "");
            Files.writeString(rendered.resolve(sourceName + ".json"), JSON.writeValueAsString(sourceConfig));
            Files.writeString(rendered.resolve("mongo-log-sink.json"), JSON.writeValueAsString(sinkConfig));
            ConnectRest registrar = new ConnectRest(connect.restUrl());
            registrar.register(sourceName, sourceConfig, CONNECTOR_TIMEOUT);
            registrar.register("mongo-log-sink", sinkConfig, CONNECTOR_TIMEOUT);
            Map<String, String> readModelConfig = Connectors.render(
                    options,
                    READ_MODEL_SINK + ".json",
                    secrets,
                    Map.of("database", READ_MODEL_DATABASE, "errors.deadletterqueue.topic.replication.factor", "1"));
            Files.writeString(rendered.resolve(READ_MODEL_SINK + ".json"), JSON.writeValueAsString(readModelConfig));
            registrar.register(READ_MODEL_SINK, readModelConfig, CONNECTOR_TIMEOUT);
            OUT.println(" " + sourceName + ", mongo-log-sink and " + READ_MODEL_SINK + " RUNNING");

            ArrivalTracker arrivals = new ArrivalTracker(mongo, EVENTS_DATABASE);
            resources.add(0, arrivals);
            String prefix = "run" + Long.toString(System.currentTimeMillis(), 36);
            // One opening event per aggregate type: each creates its topic, which the sink finds at its next metadata
            // refresh. Timed on their own, so that the orders below measure the running pipeline.
            List<OutboxWorkload.Event> committed = new ArrayList<>(OutboxWorkload.write(
                    db,
                    database,
                    "outbox",
                    prefix,
                    0,
                    OutboxWorkload.AGGREGATE_TYPES.size(),
                    (event, at) -> arrivals.committed(event.id(), at)));
            long openedAt = System.currentTimeMillis();
            while (arrivals.pendingCount() > 0 && System.currentTimeMillis() < openedAt + 120_000) {
                Thread.sleep(ArrivalTracker.POLL_MS);
            }
            long newTypesMs = arrivals.maxLatency();
            arrivals.clearLatencies();

            OrderWriter writer = new OrderWriter(db, database, prefix);
            OUT.println();
            OUT.println(String.format(
                    java.util.Locale.ROOT,
                    "Writing %,d orders at %,.0f a second (each a business row and an outbox row in one transaction)",
                    options.orders(),
                    options.rate()));
            Console.ProgressBar progress = new Console.ProgressBar(options.orders());
            OrderWriter.Written paced =
                    writer.write(committed.size(), options.orders(), options.rate(), (event, at) -> {
                        arrivals.committed(event.id(), at);
                        progress.advance();
                    });
            committed.addAll(paced.events());
            progress.finish();
            OUT.println("Waiting for every event to reach MongoDB");
            awaitArrivals(arrivals, options.orders());
            List<Long> pacedLatencies = arrivals.latencies();
            arrivals.clearLatencies();

            PipelineReport.FlatOut flatOut = null;
            if (options.flatOutOrders() > 0) {
                OUT.println(String.format(
                        java.util.Locale.ROOT,
                        "Writing %,d more orders as fast as the database commits them, for the highest sustained rate",
                        options.flatOutOrders()));
                Console.ProgressBar fast = new Console.ProgressBar(options.flatOutOrders());
                OrderWriter.Written flat = writer.write(
                        committed.size(), options.flatOutOrders(), Double.POSITIVE_INFINITY, (event, at) -> {
                            arrivals.committed(event.id(), at);
                            fast.advance();
                        });
                committed.addAll(flat.events());
                fast.finish();
                OUT.println("Waiting for every event to reach MongoDB");
                awaitArrivals(arrivals, options.flatOutOrders());
                flatOut = new PipelineReport.FlatOut(
                        flat.events().size(),
                        flat.eventsPerSecond(),
                        flat.startedMs(),
                        Math.max(arrivals.lastArrivalMs(), flat.endedMs()));
            }
            // This run's events only: a reused MongoDB or database may hold events of earlier runs.
            String runPrefix = prefix + "-";
            Reconciler.Result check = Reconciler.reconcile(
                    Reconciler.Request.of(connect.bootstrapServers(), EVENTS_DATABASE)
                            .ids(id -> id.startsWith(runPrefix))
                            .build(),
                    mongo);
            java.util.Set<String> stored = storedIds(mongo, runPrefix);
            // Missing: committed events (by id) that MongoDB does not hold, whether or not they reached a topic.
            List<String> missingIds = committed.stream()
                    .map(OutboxWorkload.Event::id)
                    .filter(id -> !stored.contains(id))
                    .toList();
            long strays = check.strayCount();
            long missing = missingIds.size();
            ReadModelCheck readModel =
                    ReadModelCheck.await(mongo, READ_MODEL_DATABASE, committed, Duration.ofSeconds(60));
            PipelineReport.print(
                    committed.size(),
                    check,
                    stored.size(),
                    missingIds,
                    strays,
                    new PipelineReport.Paced(options.orders(), options.rate(), paced.eventsPerSecond(), pacedLatencies),
                    flatOut,
                    newTypesMs,
                    readModel);

            if (options.keepRunning()) {
                Console.keepRunning(connect, mongoUri, rendered, sourceName, secrets);
            }
            return missing == 0 && strays == 0 && readModel.atLatest() == readModel.aggregates() ? 0 : 1;
        } finally {
            if (!options.keepRunning()) {
                closeAll(resources);
            }
        }
    }

    /** Waits until every committed event is in MongoDB, or for a time that grows with the orders just written. */
    private static void awaitArrivals(ArrivalTracker arrivals, int orders) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Math.max(120_000, orders * 20L);
        while (arrivals.pendingCount() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(ArrivalTracker.POLL_MS);
        }
    }

    /** The ids of this run's events in MongoDB (every collection of the events database). */
    private static java.util.Set<String> storedIds(MongoClient mongo, String idPrefix) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        var db = mongo.getDatabase(EVENTS_DATABASE);
        for (String collection : db.listCollectionNames()) {
            db.getCollection(collection)
                    .find(com.mongodb.client.model.Filters.regex("_id", "^" + Pattern.quote(idPrefix)))
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
                throw new IllegalStateException(
                        "Cannot connect to " + options.jdbcUrl() + " as " + options.jdbcUser() + ": " + e.getMessage());
            }
            return db;
        }
        try {
            return options.source().equals("postgres") ? new PostgresServer() : new MariaDbServer(1);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "The bundled " + options.source() + " did not start (" + rootCause(e) + "). It needs"
                            + " Linux x86-64; elsewhere use --jdbc-url with a MySQL/MariaDB (binlog ROW) or PostgreSQL"
                            + " (wal_level=logical) you run"
                            + (options.source().equals("mariadb") ? ", or try --source postgres" : ""));
        }
    }

    private static LocalConnect startConnect(Options options) {
        return new LocalConnect(options.repository().resolve("quickstart/target/connect-plugins"));
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
}
