package dev.outboxkit.mongo.readmodel;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;

/** Records as the router emits them with an aggregate version column carried in header 'aggregateVersion'. */
final class ReadModelRecords {

    static final String TOPIC = "outbox.event.Order";
    static final long BASE_TIMESTAMP = 1_763_800_000_000L;

    private ReadModelRecords() {}

    /** One event: aggregate id, version, type; its event id and payload follow from them. */
    record Event(String aggregateId, long version, String eventType) {
        String eventId() {
            return aggregateId + "-v" + version;
        }

        String payload() {
            return "{\"aggregate\":\"" + aggregateId + "\",\"rev\":" + version + ",\"status\":\"s" + version + "\"}";
        }

        long timestamp() {
            return BASE_TIMESTAMP + version * 1000;
        }

        SinkRecord at(int partition, long offset) {
            return record(
                    partition,
                    offset,
                    eventId(),
                    aggregateId,
                    eventType,
                    String.valueOf(version),
                    payload(),
                    timestamp());
        }

        /** The read model document this event leaves as the latest (its payload, or a tombstone for a deletion). */
        BsonDocument expectedDocument(boolean deletion, int partition, long offset) {
            BsonDocument doc = new BsonDocument("_id", new BsonString("Order:" + aggregateId))
                    .append("aggregateType", new BsonString("Order"))
                    .append("aggregateId", new BsonString(aggregateId))
                    .append("eventType", new BsonString(eventType))
                    .append("timestamp", new BsonDateTime(timestamp()))
                    .append(
                            "kafka",
                            new BsonDocument("topic", new BsonString(TOPIC))
                                    .append("partition", new BsonInt32(partition))
                                    .append("offset", new BsonInt64(offset)))
                    .append("eventId", new BsonString(eventId()))
                    .append("version", new BsonInt64(version));
            if (deletion) {
                return doc.append("deleted", BsonBoolean.TRUE).append("deletedAt", new BsonDateTime(timestamp()));
            }
            return doc.append("payload", BsonDocument.parse(payload()));
        }
    }

    static SinkRecord record(
            int partition,
            long offset,
            String eventId,
            String aggregateId,
            String eventType,
            String version,
            Object value,
            long timestamp) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("id", eventId);
        headers.addString("eventType", eventType);
        headers.addString("aggregateType", "Order");
        if (version != null) {
            headers.addString("aggregateVersion", version);
        }
        return new SinkRecord(
                TOPIC,
                partition,
                Schema.STRING_SCHEMA,
                aggregateId,
                Schema.OPTIONAL_STRING_SCHEMA,
                value,
                offset,
                timestamp,
                TimestampType.CREATE_TIME,
                headers);
    }
}
