package dev.outboxkit.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.testing.OutboxRecords;
import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/** Option headers.stored: chosen record headers reach the stored document under 'headers', as they arrived. */
class StoredHeadersTest {

    private static final String TOPIC = "outbox.event.Order";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final MongoTestServer mongo = MongoTestServer.shared();

    private static SinkRecord event(long offset) {
        return OutboxRecords.event(
                TOPIC, 0, offset, "ev-" + offset, "o-1", "Created", Schema.STRING_SCHEMA, "{\"n\":1}");
    }

    private static BsonDocument stored(RunningSink sink, long offset) {
        BsonDocument document = sink.stored(TOPIC).get(new BsonString("ev-" + offset));
        assertThat(document)
                .as("ev-" + offset + " stored; dead-lettered: " + sink.deadLettered())
                .isNotNull();
        return document;
    }

    @Test
    void listedHeadersAreStoredUnderHeadersAndOthersAreNot() {
        SinkRecord traced = event(0);
        traced.headers()
                .addString("traceparent", "00-old-old-00")
                .addString("traceparent", TRACEPARENT)
                .addString("tracestate", "vendor=a")
                .addString("secret", "x");
        SinkRecord bytes = event(1);
        bytes.headers()
                .addBytes("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8))
                .addBytes("tracestate", new byte[] {(byte) 0xFF, 1})
                .addInt("attempt", 3);
        try (RunningSink sink = new RunningSink(mongo, true, "headers.stored", " traceparent, tracestate ,attempt")) {
            sink.put(List.of(traced, bytes, event(2)));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(stored(sink, 0).getDocument("headers"))
                    .as("the last of a repeated header; unlisted ones left out")
                    .isEqualTo(new BsonDocument("traceparent", new BsonString(TRACEPARENT))
                            .append("tracestate", new BsonString("vendor=a")));
            assertThat(stored(sink, 1).getDocument("headers"))
                    .isEqualTo(new BsonDocument("traceparent", new BsonString(TRACEPARENT))
                            .append("tracestate", new BsonBinary(new byte[] {(byte) 0xFF, 1}))
                            .append("attempt", new BsonInt32(3)));
            assertThat(stored(sink, 2).containsKey("headers"))
                    .as("no listed header, no field")
                    .isFalse();
        }
    }

    @Test
    void withoutTheOptionNoHeadersFieldAndAMergedPayloadMayUseTheName() {
        SinkRecord traced = OutboxRecords.event(
                TOPIC, 0, 0, "ev-0", "o-1", "Created", Schema.STRING_SCHEMA, "{\"headers\":\"mine\"}");
        traced.headers().addString("traceparent", TRACEPARENT);
        try (RunningSink sink = new RunningSink(mongo, true, "payload.mode", "merged")) {
            sink.put(List.of(traced));

            assertThat(stored(sink, 0).get("headers")).isEqualTo(new BsonString("mine"));
        }
    }

    @Test
    void withTheOptionAMergedPayloadFieldNamedHeadersIsDeadLetteredWithTheReason() {
        SinkRecord clash = OutboxRecords.event(
                TOPIC, 0, 0, "ev-0", "o-1", "Created", Schema.STRING_SCHEMA, "{\"headers\":\"mine\"}");
        try (RunningSink sink =
                new RunningSink(mongo, true, "payload.mode", "merged", "headers.stored", "traceparent")) {
            sink.put(List.of(clash, event(1)));

            assertThat(sink.deadLettered()).containsOnlyKeys(0L);
            assertThat(sink.deadLettered().get(0L)).contains("'headers'", "payload.mode=merged");
            assertThat(stored(sink, 1)).isNotNull();
        }
    }
}
