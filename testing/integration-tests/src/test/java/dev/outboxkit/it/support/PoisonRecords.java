package dev.outboxkit.it.support;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.ProducerRecord;

/** Records produced straight to an event topic, as a router would write them, good or poisoned. */
public final class PoisonRecords {

    private PoisonRecords() {}

    /** An event with key "order-1", an "id" header unless the id is null, and the value as UTF-8 text. */
    public static ProducerRecord<byte[], byte[]> event(String topic, String id, String value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topic, 0, "order-1".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        if (id != null) {
            record.headers().add("id", id.getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add("eventType", "OrderCreated".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** A JSON object of about this many bytes. */
    public static String hugeJson(int bytes) {
        StringBuilder json = new StringBuilder(bytes + 32).append("{\"blob\": \"");
        while (json.length() < bytes) {
            json.append("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        }
        return json.append("\"}").toString();
    }
}
