package dev.outboxkit.reconcile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.cli.Commands;
import dev.outboxkit.testkit.kafka.EventLogFixture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The reconcile command at scale: fills a broker (3 topics of 3 partitions) and an event log with events, breaks
 * them in known ways (missing documents, strays, records removed by retention), then runs {@code reconcile.sh --json}
 * in its own JVM with a small heap, at two volumes, and reports its time and peak heap beside the exact counts it
 * had to find. Exits 1 when a count is wrong. Usage: bench-reconcile.sh [--events 2000000] [--heap 256m]
 */
public final class ReconcileBenchmark {

    private static final List<String> TYPES = List.of("Order", "Customer", "Payment");
    private static final int PARTITIONS = 3;
    private static final int CHUNK = 20_000;

    private ReconcileBenchmark() {}

    @Command(
            name = "bench-reconcile.sh",
            description = {
                "Fills an in-process broker and MongoDB-compatible server with events and known gaps, then runs reconcile.sh --json",
                "in its own small-heap JVM at a quarter and at the full volume; reports time and peak heap, exits 1 on a wrong count."
            })
    static final class Arguments implements Commands.Validated {
        @Option(
                names = "--events",
                paramLabel = "N",
                defaultValue = "2000000",
                description = "events at full volume (default ${DEFAULT-VALUE})")
        long events;

        @Option(
                names = "--heap",
                paramLabel = "SIZE",
                defaultValue = "256m",
                description = "reconcile's -Xmx (default ${DEFAULT-VALUE})")
        String heap;

        @Override
        public void validate() {
            if (events < 100) {
                throw new IllegalArgumentException("--events needs at least 100, not " + events);
            }
            if (!heap.matches("[0-9]+[kmgKMG]?")) {
                throw new IllegalArgumentException("--heap needs a size such as 256m, not '" + heap + "'");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Arguments arguments = Commands.parseOrExit("bench-reconcile.sh", new Arguments(), args);
        long events = arguments.events;
        String heap = arguments.heap;
        Path repository =
                Path.of(System.getProperty("outboxkit.repository", ".")).toAbsolutePath();
        System.out.printf(
                Locale.ROOT,
                "reconcile benchmark: %,d events, reconcile.sh with -Xmx%s, %d cores, Java %s%n",
                events,
                heap,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
        kafka.start();
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        String uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
        boolean ok = true;
        try (MongoClient mongo = MongoClients.create(uri)) {
            MongoDatabase db = mongo.getDatabase("outbox_events");
            TYPES.forEach(type -> kafka.createTopic("outbox.event." + type, PARTITIONS));
            long quarter = events / 4;
            long filled = 0;
            try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), db)) {
                filled = fill(fixture, 0, quarter);
                ok &= measure(repository, kafka, uri, heap, filled, 0, 0, 0);
                filled = fill(fixture, filled, events - quarter);
            }
            // The known gaps: 5 events missing in MongoDB, 3 documents from a deleted topic, and the first 1,000
            // records of one partition removed by retention (their documents stay).
            // Numbers divisible by 9 went to outbox.event.Order, partition 0.
            for (int i = 0; i < 5; i++) {
                long n = 9 * (11 + (events / 9 - 20) * i / 5);
                if (db.getCollection("outbox.event.Order")
                                .deleteOne(Filters.eq("_id", "ev-" + n))
                                .getDeletedCount()
                        != 1) {
                    throw new IllegalStateException("ev-" + n + " was not stored");
                }
            }
            try (EventLogFixture strays = new EventLogFixture(kafka.bootstrapServers(), db)) {
                for (int i = 0; i < 3; i++) {
                    strays.store(
                            "outbox.event.Order",
                            "stray-" + i,
                            "outbox.event.Retired",
                            0,
                            i,
                            System.currentTimeMillis());
                }
            }
            try (Admin admin = kafka.createAdminClient()) {
                admin.deleteRecords(Map.of(
                                new TopicPartition("outbox.event.Customer", 1), RecordsToDelete.beforeOffset(1000)))
                        .all()
                        .get();
            }
            ok &= measure(repository, kafka, uri, heap, filled - 1000, 5, 3, 1000);
        } finally {
            server.shutdownNow();
            kafka.stop();
        }
        System.out.println(ok ? "result: every count as expected" : "result: WRONG COUNTS (see above)");
        System.exit(ok ? 0 : 1);
    }

    /** Publishes and stores events [from, from+count), round-robin over the topics' partitions; returns the new total. */
    private static long fill(EventLogFixture fixture, long from, long count) {
        long started = System.nanoTime();
        long end = from + count;
        for (long chunkStart = from; chunkStart < end; chunkStart += CHUNK) {
            long chunkEnd = Math.min(end, chunkStart + CHUNK);
            List<List<String>> byPartition = new ArrayList<>();
            for (int i = 0; i < TYPES.size() * PARTITIONS; i++) {
                byPartition.add(new ArrayList<>());
            }
            for (long n = chunkStart; n < chunkEnd; n++) {
                byPartition.get((int) (n % byPartition.size())).add("ev-" + n);
            }
            for (int i = 0; i < byPartition.size(); i++) {
                String topic = "outbox.event." + TYPES.get(i / PARTITIONS);
                for (EventLogFixture.Published event :
                        fixture.publish(topic, i % PARTITIONS, byPartition.get(i), System.currentTimeMillis())) {
                    fixture.store(topic, event);
                }
            }
        }
        fixture.flush();
        System.out.printf(Locale.ROOT, "  filled %,d events in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
        return end;
    }

    private static boolean measure(
            Path repository,
            EmbeddedKafkaCluster kafka,
            String uri,
            String heap,
            long expectedEvents,
            long expectedMissing,
            long expectedStrays,
            long expectedExpired)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                        "bash",
                        repository.resolve("reconcile.sh").toString(),
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--database",
                        "outbox_events",
                        "--json")
                .directory(repository.toFile());
        builder.environment().put("MONGODB_URI", uri);
        builder.environment().put("RECONCILE_JAVA_OPTS", "-Xmx" + heap);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        long started = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("reconcile.sh did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        JsonNode json = new ObjectMapper().readTree(output);
        long topicEvents = json.get("topicEvents").asLong();
        long missing = json.at("/missingInMongo/count").asLong();
        long strays = json.at("/notOnAnyTopic/count").asLong();
        long expired = json.get("olderThanRetention").asLong();
        System.out.printf(
                Locale.ROOT,
                "  reconcile of %,d events: %.1f s wall (%,d ms inside; %,.0f events/s), peak heap %,d MB"
                        + " of -Xmx%s; missing %d, strays %d, older than retention %,d; exit %d%n",
                topicEvents,
                seconds,
                json.get("durationMs").asLong(),
                topicEvents / seconds,
                json.get("peakHeapBytes").asLong() >> 20,
                heap,
                missing,
                strays,
                expired,
                process.exitValue());
        boolean right = topicEvents == expectedEvents
                && missing == expectedMissing
                && strays == expectedStrays
                && expired == expectedExpired
                && process.exitValue() == (missing + strays == 0 ? 0 : 1);
        if (!right) {
            System.out.printf(
                    Locale.ROOT,
                    "  EXPECTED events %,d, missing %d, strays %d, older than retention %,d: %s%n",
                    expectedEvents,
                    expectedMissing,
                    expectedStrays,
                    expectedExpired,
                    output);
        }
        return right;
    }
}
