package dev.outboxkit.mongo;

import static dev.outboxkit.mongo.testing.OutboxRecords.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * A payload is stored as sent, or dead-lettered with the reason: never silently altered. JSON is read as plain
 * JSON (RFC 8259), not MongoDB Extended JSON; invalid UTF-8 stays binary; a byte-order mark does not hide JSON.
 */
class PayloadFidelityTest {

    private static final String TOPIC = "outbox.event.Order";
    private static final MongoTestServer mongo = MongoTestServer.shared();

    private static SinkRecord text(long offset, String payload) {
        return event(TOPIC, 0, offset, "ev-" + offset, "o-1", "T", Schema.STRING_SCHEMA, payload);
    }

    private static SinkRecord bytes(long offset, byte[] payload) {
        return event(TOPIC, 0, offset, "ev-" + offset, "o-1", "T", Schema.BYTES_SCHEMA, payload);
    }

    private static BsonValue payload(RunningSink sink, long offset) {
        BsonDocument stored = sink.stored(TOPIC).get(new BsonString("ev-" + offset));
        assertThat(stored)
                .as("event ev-" + offset + " is stored; dead-lettered: " + sink.deadLettered())
                .isNotNull();
        return stored.get("payload");
    }

    @Test
    void extendedJsonKeysArePlainFieldsNotTypes() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(
                    text(0, "{\"n\":{\"$numberLong\":\"5\"}}"),
                    text(1, "{\"d\":{\"$date\":\"x\"}}"),
                    text(2, "{\"o\":{\"$oid\":\"not-an-id\"}}")));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(payload(sink, 0))
                    .isEqualTo(new BsonDocument("n", new BsonDocument("$numberLong", new BsonString("5"))));
            assertThat(payload(sink, 1))
                    .isEqualTo(new BsonDocument("d", new BsonDocument("$date", new BsonString("x"))));
            assertThat(payload(sink, 2))
                    .isEqualTo(new BsonDocument("o", new BsonDocument("$oid", new BsonString("not-an-id"))));
        }
    }

    @Test
    void bytesThatAreNotValidUtf8AreStoredAsTheSameBytesNeverWithReplacementCharacters() {
        byte[] invalid = {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'};
        byte[] binary = {(byte) 0xC3, (byte) 0x28, 1, 2};
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(bytes(0, invalid), bytes(1, binary)));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(payload(sink, 0)).isEqualTo(new BsonBinary(invalid));
            assertThat(payload(sink, 1)).isEqualTo(new BsonBinary(binary));
        }
    }

    @Test
    void aLeadingByteOrderMarkIsSkippedBeforeJsonDetection() {
        byte[] utf8WithBom = ("\uFEFF {\"café\":\"☕\"}").getBytes(StandardCharsets.UTF_8);
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(bytes(0, utf8WithBom), text(1, "\uFEFF[1,2]"), text(2, "\uFEFFplain text")));

            assertThat(payload(sink, 0)).isEqualTo(new BsonDocument("café", new BsonString("☕")));
            assertThat(payload(sink, 1)).isEqualTo(new BsonArray(List.of(new BsonInt32(1), new BsonInt32(2))));
            assertThat(payload(sink, 2))
                    .as("text that is not JSON is stored as sent")
                    .isEqualTo(new BsonString("\uFEFFplain text"));
        }
    }

    @Test
    void numbersKeepTheirValueWhateverTheirSize() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(
                    text(
                            0,
                            "[1, 2147483648, -9223372036854775808, 9223372036854775808, 0.5, 1e400, 1e-400, -0,"
                                    + " 12345678901234567890123456789012.5]"),
                    text(1, "[1e7000]"),
                    text(2, "[Infinity]")));

            assertThat(payload(sink, 0))
                    .isEqualTo(new BsonArray(List.of(
                            new BsonInt32(1),
                            new BsonInt64(2147483648L),
                            new BsonInt64(Long.MIN_VALUE),
                            new BsonDecimal128(Decimal128.parse("9223372036854775808")),
                            new BsonDouble(0.5),
                            new BsonDecimal128(Decimal128.parse("1E+400")),
                            new BsonDecimal128(Decimal128.parse("1E-400")),
                            new BsonInt32(0),
                            // A fraction is a double, as JSON numbers are commonly read; only range loss switches to
                            // Decimal128.
                            new BsonDouble(12345678901234567890123456789012.5))));
            assertThat(sink.deadLettered()).containsOnlyKeys(1L, 2L);
            assertThat(sink.deadLettered().get(1L))
                    .contains(
                            "a number outside the range of a double that a Decimal128" + " cannot hold exactly either");
            assertThat(sink.deadLettered().get(2L)).contains("holds NaN or Infinity, which are not JSON numbers");
        }
    }

    @Test
    void duplicateKeysFollowOneRuleInNestedAndMergedModes() {
        for (String mode : List.of("nested", "merged")) {
            try (RunningSink sink = new RunningSink(mongo, true, "payload.mode", mode)) {
                sink.put(List.of(
                        text(0, "{\"a\":1,\"a\":2}"), text(1, "{\"x\":{\"b\":1,\"b\":1}}"), text(2, "{\"a\":1}")));

                assertThat(sink.stored(TOPIC).keySet()).as(mode).containsExactly(new BsonString("ev-2"));
                assertThat(sink.deadLettered())
                        .as(mode)
                        .hasSize(2)
                        .allSatisfy((offset, reason) ->
                                assertThat(reason).contains("the payload has a key twice in one object"));
            }
        }
    }

    @Test
    void whatBsonCannotHoldIsRejectedNotRepaired() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(List.of(
                    text(0, "{\"s\":\"\\ud800\"}"),
                    text(1, "{\"a\\u0000b\":1}"),
                    text(2, "{\"a\":1} trailing"),
                    text(3, "{\"a\":1}{\"b\":2}"),
                    text(4, "{\"ok\":\"nul \\u0000 inside a string is fine\"}")));

            assertThat(sink.deadLettered()).containsOnlyKeys(0L, 1L, 2L, 3L);
            assertThat(sink.deadLettered().get(0L))
                    .contains("a string in the payload holds an unpaired UTF-16 surrogate");
            assertThat(sink.deadLettered().get(1L)).contains("a key in the payload holds a NUL character");
            assertThat(sink.deadLettered().get(2L)).contains("looks like JSON but does not parse");
            assertThat(sink.deadLettered().get(3L)).contains("the payload has content after its JSON value");
            assertThat(payload(sink, 4))
                    .isEqualTo(new BsonDocument("ok", new BsonString("nul \u0000 inside a string is fine")));
        }
    }

    @Test
    void mergedModeStreamsTheJsonObjectsFieldsToTheTopLevel() {
        try (RunningSink sink = new RunningSink(mongo, true, "payload.mode", "merged")) {
            sink.put(List.of(
                    text(0, "{\"orderId\":7,\"lines\":[{\"sku\":\"A\"}]}"),
                    text(1, "[1]"),
                    event(TOPIC, 0, 2, "ev-2", "o-1", "T", null, Map.of("fromMap", true))));

            BsonDocument stored = sink.stored(TOPIC).get(new BsonString("ev-0"));
            assertThat(stored.keySet())
                    .containsExactly(
                            "_id",
                            "orderId",
                            "lines",
                            "aggregateType",
                            "aggregateId",
                            "eventType",
                            "timestamp",
                            "kafka");
            assertThat(stored.get("lines"))
                    .isEqualTo(new BsonArray(List.of(new BsonDocument("sku", new BsonString("A")))));
            assertThat(sink.stored(TOPIC)
                            .get(new BsonString("ev-2"))
                            .getBoolean("fromMap")
                            .getValue())
                    .isTrue();
            assertThat(sink.deadLettered()).containsOnlyKeys(1L);
            assertThat(sink.deadLettered().get(1L))
                    .contains("needs a payload that is a JSON object, but it is a JSON array");
        }
    }
}
