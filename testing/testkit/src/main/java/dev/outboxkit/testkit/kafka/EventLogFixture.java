package dev.outboxkit.testkit.kafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.bson.Document;

import com.mongodb.client.MongoDatabase;

/**
 * Outbox topics and an event log as the pipeline leaves them, at any volume, for the reconcile tests and benchmark:
 * events published with their id header, and documents in the shape the sink stores ({@code _id}, {@code timestamp},
 * {@code kafka: {topic, partition, offset}}), inserted in batches.
 */
public final class EventLogFixture implements AutoCloseable {

    /** One published event: where it landed. */
    public record Published(String id, String topic, int partition, long offset, long timestampMs) {}

    private static final int INSERT_BATCH = 10_000;
    private final KafkaProducer<byte[], byte[]> producer;
    private final MongoDatabase db;
    private final Map<String, List<Document>> pending = new java.util.HashMap<>();

    public EventLogFixture(String bootstrapServers, MongoDatabase db) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                512 * 1024,
                ProducerConfig.ACKS_CONFIG,
                "1",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class));
        this.db = db;
    }

    /** Publishes the ids in order to one partition, with the given record timestamp; returns where each landed. */
    public List<Published> publish(String topic, int partition, List<String> ids, long timestampMs) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(ids.size());
        for (String id : ids) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("id", id.getBytes(StandardCharsets.UTF_8));
            byte[] value = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
            sent.add(producer.send(new ProducerRecord<>(
                    topic, partition, timestampMs, id.getBytes(StandardCharsets.UTF_8), value, headers)));
        }
        producer.flush();
        List<Published> published = new ArrayList<>(ids.size());
        try {
            for (int i = 0; i < ids.size(); i++) {
                published.add(new Published(
                        ids.get(i), topic, partition, sent.get(i).get().offset(), timestampMs));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not publish to " + topic + "-" + partition, e.getCause());
        }
        return published;
    }

    /** Stores the event as the sink would have (call {@link #flush} after the last). */
    public void store(String collection, Published event) {
        store(collection, event.id(), event.topic(), event.partition(), event.offset(), event.timestampMs());
    }

    public void store(String collection, String id, String topic, int partition, long offset, long timestampMs) {
        Document document = new Document("_id", id).append("timestamp", new Date(timestampMs));
        if (topic != null) {
            document.append(
                    "kafka",
                    new Document("topic", topic).append("partition", partition).append("offset", offset));
        }
        List<Document> batch = pending.computeIfAbsent(collection, c -> new ArrayList<>());
        batch.add(document);
        if (batch.size() >= INSERT_BATCH) {
            flush(collection);
        }
    }

    public void flush() {
        new ArrayList<>(pending.keySet()).forEach(this::flush);
    }

    private void flush(String collection) {
        List<Document> batch = pending.remove(collection);
        if (batch != null && !batch.isEmpty()) {
            db.getCollection(collection).insertMany(batch);
        }
    }

    @Override
    public void close() {
        flush();
        producer.close();
    }
}
