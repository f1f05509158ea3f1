package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;

import dev.outboxkit.testkit.kafka.EventLogFixture;
import dev.outboxkit.testkit.kafka.EventLogFixture.Published;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * The operator's artifact on its own: {@code reconcile/target/outboxkit-reconcile.jar}, started with {@code java -jar}
 * and nothing else on its class path (as on a machine without the checkout), against a real broker and the MongoDB
 * test server. It must find exactly the gaps made, say so in its exit status, and hold none of the demo's parts.
 */
class ReconcileJarIT {

    private static final String TOPIC = "outbox.event.Invoice";
    private static EmbeddedKafkaCluster kafka;
    private static MongoTestServer mongo;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafkaCluster(1, new Properties());
        kafka.start();
        kafka.createTopic(TOPIC, 2);
        mongo = MongoTestServer.shared();
    }

    @AfterAll
    static void stop() {
        kafka.stop();
    }

    private static Path jar() {
        Path jar = Path.of(
                System.getProperty("outboxkit.reconcile.jar", "../../reconcile/target/outboxkit-reconcile.jar"));
        assertThat(jar)
                .as("the reconcile jar the build makes (./mvnw -pl reconcile package)")
                .isRegularFile();
        return jar.toAbsolutePath();
    }

    private record Run(int exit, String out, String err) {}

    /** java -jar with a clean environment but for MONGODB_URI: no class path, no checkout. */
    private static Run run(Path workDirectory, String mongoUri, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                jar().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile());
        builder.environment().clear();
        if (mongoUri != null) {
            builder.environment().put("MONGODB_URI", mongoUri);
        }
        Path out = workDirectory.resolve("out.txt");
        Path err = workDirectory.resolve("err.txt");
        Process process =
                builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("reconcile jar still running after 120 s; stderr: " + Files.readString(err));
        }
        return new Run(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void theJarAloneFindsExactlyTheGapsMadeAndSaysSoInItsExitStatus(@TempDir Path dir) throws Exception {
        String database = MongoTestServer.uniqueDatabase("reconcile-jar");
        MongoDatabase db = mongo.client().getDatabase(database);
        List<Published> events = new ArrayList<>();
        try (EventLogFixture fixture = new EventLogFixture(kafka.bootstrapServers(), db)) {
            for (int partition = 0; partition < 2; partition++) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    ids.add("inv-" + partition + "-" + i);
                }
                for (Published event : fixture.publish(TOPIC, partition, ids, System.currentTimeMillis())) {
                    fixture.store(TOPIC, event);
                    events.add(event);
                }
            }
            fixture.flush();
        }
        String[] args = {
            "--bootstrap-servers", kafka.bootstrapServers(), "--database", database, "--timeout-seconds", "30"
        };

        Run consistent = run(dir, mongo.uri(), args);
        assertThat(consistent.exit())
                .as("exit status; stderr: %s", consistent.err())
                .isZero();
        assertThat(consistent.out())
                .contains("events on 2 partitions of topics matching outbox\\.event\\..*: 50")
                .contains("documents in MongoDB database " + database + ": 50")
                .contains("ids missing in MongoDB: 0")
                .contains("ids in MongoDB on no topic: 0")
                .endsWith("CONSISTENT\n");

        String lost = events.get(7).id();
        db.getCollection(TOPIC).deleteOne(Filters.eq("_id", lost));
        List<String> json = new ArrayList<>(List.of(args));
        json.add("--json");
        Run gap = run(dir, mongo.uri(), json.toArray(new String[0]));
        assertThat(gap.exit()).as("exit status; stderr: %s", gap.err()).isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(gap.out());
        assertThat(report.path("consistent").asBoolean(true)).isFalse();
        assertThat(report.path("topicEvents").asLong()).isEqualTo(50);
        assertThat(report.path("documents").asLong()).isEqualTo(49);
        assertThat(report.path("missingInMongo").path("count").asLong()).isEqualTo(1);
        assertThat(report.path("missingInMongo").path("sample").get(0).asText()).isEqualTo(lost);
        assertThat(report.path("notOnAnyTopic").path("count").asLong()).isZero();

        Run usage = run(
                dir,
                null,
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--database",
                database,
                "--batch-size",
                "0");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).startsWith("reconcile.sh: --batch-size needs a positive number, not '0'");
    }

    @Test
    void theJarHoldsTheCommandAndItsClientsButNoneOfTheDemo() throws IOException {
        try (JarFile jar = new JarFile(jar().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("dev.outboxkit.reconcile.Reconcile");
            List<String> names = jar.stream().map(entry -> entry.getName()).toList();
            assertThat(names)
                    .contains(
                            "dev/outboxkit/reconcile/Reconciler.class",
                            "org/apache/kafka/clients/consumer/KafkaConsumer.class",
                            "com/mongodb/client/MongoClients.class",
                            "com/fasterxml/jackson/databind/ObjectMapper.class");
            assertThat(names)
                    .noneMatch(name -> name.startsWith("dev/outboxkit/quickstart/")
                            || name.startsWith("dev/outboxkit/testkit/")
                            || name.startsWith("ch/vorburger/")
                            || name.startsWith("io/zonky/")
                            || name.startsWith("de/bwaldvogel/")
                            || name.startsWith("org/apache/kafka/connect/"));
        }
    }
}
