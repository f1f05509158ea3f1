package dev.outboxkit.it.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;

import dev.outboxkit.testkit.Wait;

/** Reads back what the pipeline produced: documents in MongoDB and records on the Kafka topics. */
public final class EventLog {

    private EventLog() {}

    /** Every document of every collection of the database, by _id. */
    public static Map<Object, Document> documents(MongoClient client, String database) {
        Map<Object, Document> all = new HashMap<>();
        MongoDatabase db = client.getDatabase(database);
        for (String collection : db.listCollectionNames()) {
            db.getCollection(collection).find().forEach(doc -> all.put(doc.get("_id"), doc));
        }
        return all;
    }

    public static long count(MongoClient client, String database) {
        long count = 0;
        MongoDatabase db = client.getDatabase(database);
        for (String collection : db.listCollectionNames()) {
            count += db.getCollection(collection).countDocuments();
        }
        return count;
    }

    public static void awaitDocuments(MongoClient client, String database, long expected, Duration timeout) {
        Wait.until(
                expected + " documents in MongoDB database " + database,
                timeout,
                () -> count(client, database) >= expected,
                () -> count(client, database) + " documents");
    }

    /** A record as the sink sees it: topic, key, event id header, value. */
    public record KafkaEvent(
            String topic,
            int partition,
            long offset,
            String key,
            String id,
            String value,
            Map<String, String> headers) {}

    public static List<KafkaEvent> kafkaEvents(ConnectStack stack, String... topics) {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = stack.kafka().consumeAll(30_000, topics);
        } catch (Exception e) {
            throw new IllegalStateException("Could not read topics " + String.join(",", topics) + ": " + e, e);
        }
        List<KafkaEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(
                        header.key(),
                        header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            events.add(new KafkaEvent(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    text(record.key()),
                    headers.get("id"),
                    text(record.value()),
                    headers));
        }
        return events;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
