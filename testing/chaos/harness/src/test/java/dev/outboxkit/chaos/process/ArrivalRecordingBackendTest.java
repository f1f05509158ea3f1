package dev.outboxkit.chaos.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;

import de.bwaldvogel.mongo.MongoServer;
import dev.outboxkit.chaos.bench.ArrivalLog;

class ArrivalRecordingBackendTest {

    @Test
    void everyInsertedOrUpsertedIdIsLoggedWithTheTimeItsWriteFinished(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("arrivals.log");
        MongoServer server = new MongoServer(new MongoProcess.ArrivalRecordingBackend(log));
        long before = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        try (MongoClient client = MongoClients.create(server.bindAndGetConnectionString())) {
            MongoCollection<Document> events = client.getDatabase("bench").getCollection("outbox.event.Order");
            events.insertMany(
                    List.of(new Document("_id", "a#1"), new Document("_id", "a#2")),
                    new InsertManyOptions().ordered(false));
            events.bulkWrite(List.of(new ReplaceOneModel<>(
                    Filters.eq("_id", "b#1"),
                    new Document("_id", "b#1").append("x", 1),
                    new ReplaceOptions().upsert(true))));
            events.find().first(); // a read is not an arrival
        } finally {
            server.shutdownNow();
        }
        long after = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());

        ArrivalLog arrivals = new ArrivalLog(log);
        long deadline = System.currentTimeMillis() + 5_000;
        while (arrivals.refresh() < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20); // the server flushes its log every 100 ms
        }
        assertThat(arrivals.arrived()).isEqualTo(3);
        for (String id : List.of("a#1", "a#2", "b#1")) {
            assertThat(arrivals.arrivalMicros(id)).as(id).isBetween(before, after);
        }
        assertThat(arrivals.arrivalMicros("a#1")).isEqualTo(arrivals.arrivalMicros("a#2")); // one command, one time
        assertThat(arrivals.commands()).isEqualTo(2);
        assertThat(arrivals.serverTime(0).documentsPerCommand()).isEqualTo(1.5);
        assertThat(arrivals.serverTime(1).perCommand().count()).isEqualTo(1);
    }

    @Test
    void aDocumentTheServerRefusesHasNotArrived(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("arrivals.log");
        MongoServer server = new MongoServer(new MongoProcess.ArrivalRecordingBackend(log));
        try (MongoClient client = MongoClients.create(server.bindAndGetConnectionString())) {
            MongoCollection<Document> events = client.getDatabase("bench").getCollection("outbox.event.Order");
            events.insertOne(new Document("_id", "a#1"));
            // An unordered insert whose first document is refused (duplicate key) and whose second is stored.
            assertThatThrownBy(() -> events.insertMany(
                            List.of(new Document("_id", "a#1"), new Document("_id", "a#2")),
                            new InsertManyOptions().ordered(false)))
                    .isInstanceOf(com.mongodb.MongoBulkWriteException.class);
        } finally {
            server.shutdownNow();
        }
        String text = awaitLines(log, 4);
        assertThat(text.lines()
                        .filter(line -> !line.startsWith("#"))
                        .map(line -> line.substring(line.indexOf(' ') + 1)))
                .containsExactly("a#1", "a#2");
    }

    /** The log once it has the given number of lines (the server flushes it every 100 ms). */
    private static String awaitLines(Path log, int lines) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        String text = Files.readString(log);
        while (text.lines().count() < lines && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            text = Files.readString(log);
        }
        return text;
    }

    @Test
    void aRedeliveredEventKeepsItsFirstArrival(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("arrivals.log");
        Files.writeString(log, "#100 5 1\n100 a#1\n#250 7 2\n250 a#1\n25");
        ArrivalLog arrivals = new ArrivalLog(log);
        assertThat(arrivals.refresh()).isEqualTo(1);
        Files.writeString(
                log, "0 b#1\n", java.nio.file.StandardOpenOption.APPEND); // the rest of a line half written before
        assertThat(arrivals.refresh()).isEqualTo(2);
        assertThat(arrivals.arrivalMicros("a#1")).isEqualTo(100);
        assertThat(arrivals.arrivalMicros("b#1")).isEqualTo(250);
    }
}
