package dev.outboxkit.chaos.process;

import static org.assertj.core.api.Assertions.assertThat;

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
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Filters;

import de.bwaldvogel.mongo.MongoServer;

class ArrivalRecordingBackendTest {

    @Test
    void everyInsertedOrUpsertedIdIsLoggedWithTheTimeItsWriteFinished(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("arrivals.log");
        MongoServer server = new MongoServer(new MongoProcess.ArrivalRecordingBackend(log));
        long before = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        try (MongoClient client = MongoClients.create(server.bindAndGetConnectionString())) {
            MongoCollection<Document> events = client.getDatabase("bench").getCollection("outbox.event.Order");
            events.insertMany(List.of(new Document("_id", "a#1"), new Document("_id", "a#2")), new InsertManyOptions().ordered(false));
            events.bulkWrite(List.of(new ReplaceOneModel<>(Filters.eq("_id", "b#1"), new Document("_id", "b#1").append("x", 1),
                    new ReplaceOptions().upsert(true))));
            events.find().first(); // a read is not an arrival
        } finally {
            server.shutdownNow();
        }
        long after = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());

        List<String> lines = waitForLines(log, 3);
        assertThat(lines).extracting(line -> line.substring(line.indexOf(' ') + 1)).containsExactly("a#1", "a#2", "b#1");
        assertThat(lines).extracting(line -> Long.parseLong(line.substring(0, line.indexOf(' '))))
                .allSatisfy(micros -> assertThat(micros).isBetween(before, after));
    }

    private static List<String> waitForLines(Path log, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        List<String> lines = Files.readAllLines(log);
        while (lines.size() < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            lines = Files.readAllLines(log);
        }
        return lines;
    }
}
