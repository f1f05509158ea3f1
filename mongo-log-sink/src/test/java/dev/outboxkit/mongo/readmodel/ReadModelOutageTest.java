package dev.outboxkit.mongo.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.MongoLogSinkTask;
import dev.outboxkit.mongo.readmodel.ReadModelRecords.Event;
import dev.outboxkit.mongo.testing.TestSinkContext;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.net.TcpProxy;

/**
 * Property 5 of the read model, the log's boundaries: MongoDB cut off through a TCP proxy (its data kept) is retried
 * with back-off while the task stays up, no offset is committed past what MongoDB acknowledged even when the worker
 * offers it, and after the outage every aggregate holds its highest version.
 */
class ReadModelOutageTest {

    private MongoTestServer mongo;
    private TcpProxy proxy;
    private MongoLogSinkTask task;
    private final TestSinkContext context = new TestSinkContext(true);
    private final String database = MongoTestServer.uniqueDatabase("rmoutage");

    @BeforeEach
    void setUp() throws Exception {
        mongo = new MongoTestServer();
        proxy = new TcpProxy(mongo.host(), mongo.port());
        Map<String, String> props = new HashMap<>();
        props.put(
                "connection.uri",
                mongo.uriVia(
                        "127.0.0.1",
                        proxy.port(),
                        "directConnection=true&serverSelectionTimeoutMS=700&connectTimeoutMS=500&socketTimeoutMS=2000"));
        props.put("database", database);
        props.put("write.mode", "latest");
        props.put("retry.backoff.initial.ms", "50");
        props.put("retry.backoff.max.ms", "400");
        task = new MongoLogSinkTask();
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void tearDown() throws Exception {
        task.stop();
        proxy.close();
        mongo.close();
    }

    private static List<SinkRecord> versions(int fromVersion, int toVersion, long firstOffset) {
        List<SinkRecord> records = new ArrayList<>();
        long offset = firstOffset;
        for (int v = fromVersion; v <= toVersion; v++) {
            for (int a = 0; a < 3; a++) {
                records.add(new Event("o" + a, v, "OrderChanged").at(0, offset++));
            }
        }
        return records;
    }

    @Test
    void anOutageIsRetriedCommitsNothingUnacknowledgedAndEndsAtTheHighestVersions() throws Exception {
        TopicPartition partition = new TopicPartition(ReadModelRecords.TOPIC, 0);
        task.put(versions(1, 2, 0)); // offsets 0-5
        proxy.cut();
        List<SinkRecord> during = versions(3, 4, 6); // offsets 6-11
        List<Long> backoffs = new ArrayList<>();
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> task.put(during)).isInstanceOf(RetriableException.class);
                backoffs.add(context.lastTimeoutMs());
            }
            assertThat(task.preCommit(Map.of(partition, new OffsetAndMetadata(12))))
                    .containsEntry(partition, new OffsetAndMetadata(6));
        } finally {
            proxy.heal();
        }
        assertThat(backoffs).containsExactly(50L, 100L, 200L);
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                task.put(during);
                break;
            } catch (RetriableException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("MongoDB did not take the batch within 10 s after the proxy healed", e);
                }
            }
        }
        assertThat(task.preCommit(Map.of(partition, new OffsetAndMetadata(12))))
                .containsEntry(partition, new OffsetAndMetadata(12));
        // The batch from before the outage, delivered again, changes nothing.
        task.put(versions(1, 2, 0));
        List<BsonDocument> docs = new ArrayList<>();
        mongo.client()
                .getDatabase(database)
                .getCollection(ReadModelRecords.TOPIC, BsonDocument.class)
                .find()
                .into(docs);
        assertThat(docs).hasSize(3);
        for (BsonDocument doc : docs) {
            String aggregate = doc.getString("aggregateId").getValue();
            assertThat(doc)
                    .as(aggregate)
                    .isEqualTo(new Event(aggregate, 4, "OrderChanged")
                            .expectedDocument(false, 0, 9 + Integer.parseInt(aggregate.substring(1))));
        }
        assertThat(context.reported()).isEmpty();
    }
}
