package dev.outboxkit.router;

import static dev.outboxkit.router.ChangeEvents.TS_MS;
import static dev.outboxkit.router.ChangeEvents.create;
import static dev.outboxkit.router.OutboxEventRouterTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Date;
import java.util.stream.Stream;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventTimestampTest {

    private static final long EVENT_MS = 1_699_999_999_987L;

    private static SourceRecord route(Schema timestampSchema, Object timestamp) {
        Schema rowSchema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                        .field("created_at", timestampSchema));
        Struct row = new Struct(rowSchema)
                .put("id", "ev-1")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o-1")
                .put("payload", "{}")
                .put("created_at", timestamp);
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(config("table.field.event.timestamp", "created_at"));
        return router.apply(create(row));
    }

    private static Schema named(Schema.Type type, String name) {
        return new SchemaBuilder(type).name(name).optional().build();
    }

    static Stream<Arguments> timestampColumns() {
        return Stream.of(
                Arguments.of("Debezium Timestamp", named(Schema.Type.INT64, "io.debezium.time.Timestamp"), EVENT_MS),
                Arguments.of(
                        "Debezium MicroTimestamp",
                        named(Schema.Type.INT64, "io.debezium.time.MicroTimestamp"),
                        EVENT_MS * 1_000 + 999),
                Arguments.of(
                        "Debezium NanoTimestamp",
                        named(Schema.Type.INT64, "io.debezium.time.NanoTimestamp"),
                        EVENT_MS * 1_000_000 + 999_999),
                Arguments.of(
                        "Debezium ZonedTimestamp",
                        named(Schema.Type.STRING, "io.debezium.time.ZonedTimestamp"),
                        "2023-11-14T22:13:19.987Z"),
                Arguments.of(
                        "ZonedTimestamp with offset",
                        named(Schema.Type.STRING, "io.debezium.time.ZonedTimestamp"),
                        "2023-11-15T00:13:19.987+02:00"),
                Arguments.of("plain INT64 epoch millis", Schema.OPTIONAL_INT64_SCHEMA, EVENT_MS),
                Arguments.of(
                        "Connect Timestamp (java.util.Date)",
                        Timestamp.builder().optional().build(),
                        new Date(EVENT_MS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timestampColumns")
    void timestampColumnBecomesTheRecordTimestampInEpochMillis(String kind, Schema schema, Object value) {
        assertThat(route(schema, value).timestamp()).isEqualTo(EVENT_MS);
    }

    @Test
    void nullTimestampFallsBackToTheChangeEventTime() {
        assertThat(route(named(Schema.Type.INT64, "io.debezium.time.Timestamp"), null)
                        .timestamp())
                .isEqualTo(TS_MS);
    }

    @Test
    void unsupportedTimestampTypeFailsNamingTheColumn() {
        assertThatThrownBy(() -> route(Schema.OPTIONAL_BOOLEAN_SCHEMA, true))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Column 'created_at' has type BOOLEAN, which is not a supported event timestamp")
                .hasMessageContaining("table inventory.outbox");
    }
}
