package dev.outboxkit.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

import dev.outboxkit.mongo.testing.RunningSink;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Event ids reach MongoDB as the outbox row had them. Headers here are made the way the worker makes them: the
 * header bytes on Kafka through the real header converter classes (the pipeline tests repeat this through a
 * real worker). {@code SimpleHeaderConverter}, the worker's default, re-types "007" and "7" into the number 7;
 * the sink refuses such ids with the fix instead of storing one event and dropping the other as a duplicate.
 */
class EventIdTest {

    private static final String TOPIC = "outbox.event.Order";
    private static final List<String> IDS = List.of(
            "007", "7", "2024-01-01", "1.0", "9007199254740993", "true", "7f0c1e3a-5b7d-4a8e-9c1d-2e3f4a5b6c7d");
    private static final MongoTestServer mongo = MongoTestServer.shared();

    /** Records whose id header holds the given text on Kafka, read back through the given header converter. */
    private static List<SinkRecord> throughConverter(HeaderConverter converter) {
        converter.configure(Map.of("converter.type", "header"));
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < IDS.size(); i++) {
            SchemaAndValue id =
                    converter.toConnectHeader(TOPIC, "id", IDS.get(i).getBytes(StandardCharsets.UTF_8));
            ConnectHeaders headers = new ConnectHeaders();
            headers.add("id", id);
            records.add(new SinkRecord(
                    TOPIC,
                    0,
                    Schema.STRING_SCHEMA,
                    "o-1",
                    Schema.STRING_SCHEMA,
                    "{\"n\":" + i + "}",
                    i,
                    1L,
                    TimestampType.CREATE_TIME,
                    headers));
        }
        return records;
    }

    @Test
    void withAStringHeaderConverterEveryIdIsStoredAsTheTextSent() {
        try (RunningSink sink = new RunningSink(mongo, true, "header.converter", StringConverter.class.getName())) {
            sink.put(throughConverter(new StringConverter()));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(sink.stored(TOPIC).keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            IDS.stream().map(BsonString::new).toList());
        }
    }

    @Test
    void idsTheDefaultHeaderConverterRetypedGoToTheDeadLetterQueueWithTheFixNeverAsFalseDuplicates() {
        try (RunningSink sink = new RunningSink(mongo, true)) {
            sink.put(throughConverter(new SimpleHeaderConverter()));

            assertThat(sink.stored(TOPIC).keySet())
                    .containsExactly(new BsonString("7f0c1e3a-5b7d-4a8e-9c1d-2e3f4a5b6c7d"));
            assertThat(sink.deadLettered()).containsOnlyKeys(0L, 1L, 2L, 3L, 4L, 5L);
            assertThat(sink.deadLettered().get(0L))
                    .isEqualTo(
                            "Record outbox.event.Order-0@0 cannot be stored: the event id"
                                    + " from header:id arrived as a number (Byte), not as text: the worker's header converter re-typed it"
                                    + " (SimpleHeaderConverter, the default, reads \"007\" and \"7\" as the same number), so the id as sent is"
                                    + " lost. Set header.converter=org.apache.kafka.connect.storage.StringConverter on this connector");
            assertThat(sink.deadLettered().get(2L)).contains("arrived as a date");
            assertThat(sink.deadLettered().get(5L)).contains("arrived as a boolean");
        }
    }

    @Test
    void anIntegerIdFromTheValueOrATransformsHeaderIsStoredAsItsDecimalText() {
        ConnectHeaders typed = new ConnectHeaders();
        typed.addLong("id", 9_007_199_254_740_993L);
        SinkRecord fromHeader = new SinkRecord(
                TOPIC,
                0,
                Schema.STRING_SCHEMA,
                "o-1",
                Schema.STRING_SCHEMA,
                "{}",
                0,
                1L,
                TimestampType.CREATE_TIME,
                typed);
        SinkRecord fromValue = new SinkRecord(
                TOPIC,
                0,
                Schema.STRING_SCHEMA,
                "o-1",
                null,
                Map.of("eventId", 42L),
                1,
                1L,
                TimestampType.CREATE_TIME,
                new ConnectHeaders());
        try (RunningSink sink = new RunningSink(
                mongo,
                true,
                "header.converter",
                StringConverter.class.getName(),
                "event.id.sources",
                "header:id,value:eventId")) {
            sink.put(List.of(fromHeader, fromValue));

            assertThat(sink.deadLettered()).isEmpty();
            assertThat(sink.stored(TOPIC).keySet())
                    .containsExactlyInAnyOrder(new BsonString("9007199254740993"), new BsonString("42"));
        }
    }

    @Test
    void anIdThatIsNoIdIsRejectedNamingItsSource() {
        SinkRecord record = new SinkRecord(
                TOPIC,
                0,
                Schema.STRING_SCHEMA,
                "o-1",
                null,
                Map.of("eventId", 1.5),
                3,
                1L,
                TimestampType.CREATE_TIME,
                new ConnectHeaders());
        try (RunningSink sink = new RunningSink(mongo, true, "event.id.sources", "value:eventId")) {
            sink.put(List.of(record));

            assertThat(sink.deadLettered())
                    .containsExactly(Map.entry(
                            3L,
                            "Record outbox.event.Order-0@3 cannot be stored:"
                                    + " the event id from value:eventId is a number (Double); an event id must be text, an integer or bytes"
                                    + " (option event.id.sources)"));
        }
    }
}
