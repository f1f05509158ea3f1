package dev.outboxkit.mongo.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import dev.outboxkit.mongo.MongoLogSinkTask;
import dev.outboxkit.mongo.readmodel.ReadModelRecords.Event;
import dev.outboxkit.mongo.testing.TestSinkContext;
import io.netty.channel.Channel;

/**
 * The one race the conditional upsert cannot settle alone: two first writes of the same aggregate both find no
 * document, one inserts, the other gets a duplicate key on _id even though the document just inserted may be older.
 * A server that answers exactly that (a concurrent writer's older version inserted, then the duplicate-key error a
 * real MongoDB gives) makes it happen every time: the sink must send the write once more and end at its version.
 */
class ReadModelLostInsertRaceTest {

    /** Loses the first upsert of each _id to a "concurrent" insert of version 1. */
    static final class LosingInsertRace extends MemoryBackend {
        private final Set<Object> raced = ConcurrentHashMap.newKeySet();

        @Override
        public synchronized Document handleCommand(Channel channel, String database, String command, Document query) {
            if (!command.equalsIgnoreCase("update")) {
                return super.handleCommand(channel, database, command, query);
            }
            @SuppressWarnings("unchecked")
            List<Document> updates = (List<Document>) query.get("updates");
            Document statement = updates.get(0);
            Object id = ((Document) statement.get("q")).get("_id");
            if (updates.size() != 1 || !raced.add(id)) {
                return super.handleCommand(channel, database, command, query);
            }
            Document older = new Document("_id", id).append("version", 1L).append("eventId", "concurrent-v1");
            super.handleCommand(
                    channel,
                    database,
                    "insert",
                    new Document("insert", query.get("update")).append("documents", List.of(older)));
            return new Document("n", 0)
                    .append("nModified", 0)
                    .append(
                            "writeErrors",
                            List.of(new Document("index", 0)
                                    .append("code", 11000)
                                    .append("codeName", "DuplicateKey")
                                    .append(
                                            "errmsg",
                                            "E11000 duplicate key error collection: " + database + "."
                                                    + query.get("update") + " index: _id_ dup key: { _id: ... }")
                                    .append("keyPattern", new Document("_id", 1))
                                    .append("keyValue", new Document("_id", id))))
                    .append("ok", 1.0);
        }
    }

    private MongoServer server;
    private MongoClient client;
    private MongoLogSinkTask task;
    private final TestSinkContext context = new TestSinkContext(true);

    @BeforeEach
    void start() {
        server = new MongoServer(new LosingInsertRace());
        String uri = "mongodb://127.0.0.1:" + server.bind().getPort() + "/?serverSelectionTimeoutMS=3000";
        client = MongoClients.create(uri);
        Map<String, String> props = new HashMap<>();
        props.put("connection.uri", uri);
        props.put("database", "race");
        props.put("write.mode", "latest");
        task = new MongoLogSinkTask();
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        task.stop();
        client.close();
        server.shutdownNow();
    }

    @Test
    void aFirstWriteThatLosesTheInsertToAnOlderVersionIsSentAgainAndWins() {
        List<SinkRecord> batch = List.of(new Event("o1", 5, "OrderChanged").at(0, 0));
        task.put(batch);
        BsonDocument stored = client.getDatabase("race")
                .getCollection(ReadModelRecords.TOPIC, BsonDocument.class)
                .find()
                .first();
        assertThat(stored).isEqualTo(new Event("o1", 5, "OrderChanged").expectedDocument(false, 0, 0));
        assertThat(context.reported()).isEmpty();
    }
}
