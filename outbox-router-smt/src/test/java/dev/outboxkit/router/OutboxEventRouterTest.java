package dev.outboxkit.router;

import static dev.outboxkit.router.ChangeEvents.TS_MS;
import static dev.outboxkit.router.ChangeEvents.create;
import static dev.outboxkit.router.ChangeEvents.event;
import static dev.outboxkit.router.ChangeEvents.outboxRow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class OutboxEventRouterTest {

    private static final String PAYLOAD = "{\"orderId\":42,\"total\":9.5}";

    private static SourceRecord apply(SourceRecord record, String... config) {
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(config(config));
        try {
            return router.apply(record);
        } finally {
            router.close();
        }
    }

    static Map<String, String> config(String... keyValues) {
        Map<String, String> config = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private static List<String> headerNames(SourceRecord record) {
        List<String> names = new ArrayList<>();
        for (Header header : record.headers()) {
            names.add(header.key());
        }
        return names;
    }

    @Test
    void routesCreateToAggregateTypeTopicKeyedByAggregateId() {
        SourceRecord event = apply(create(outboxRow("ev-1", "Order", "order-7", "OrderCreated", PAYLOAD)));

        assertThat(event.topic()).isEqualTo("outbox.event.Order");
        assertThat(event.kafkaPartition()).isNull();
        assertThat(event.keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(event.key()).isEqualTo("order-7");
        assertThat(event.valueSchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(event.value()).isEqualTo(PAYLOAD);
        assertThat(event.timestamp()).isEqualTo(TS_MS);
        assertThat(headerNames(event)).containsExactly("traceparent", "id");
        Header id = event.headers().lastWithName("id");
        assertThat(id.value()).isEqualTo("ev-1");
        assertThat(id.schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(event.sourcePartition()).isEqualTo(Map.of("server", ChangeEvents.SERVER));
        assertThat(event.sourceOffset().get("pos")).isEqualTo(4321L);
    }

    @Test
    void routesSnapshotReadLikeCreate() {
        SourceRecord event = apply(event("r", outboxRow("ev-2", "Customer", "c-1", "CustomerCreated", PAYLOAD)));

        assertThat(event.topic()).isEqualTo("outbox.event.Customer");
        assertThat(event.key()).isEqualTo("c-1");
        assertThat(event.headers().lastWithName("id").value()).isEqualTo("ev-2");
    }

    @Test
    void dropsDeletesTruncatesAndTombstones() {
        assertThat(apply(event("d", outboxRow("ev-3", "Order", "o-1", "OrderCreated", PAYLOAD))))
                .isNull();
        assertThat(apply(event("t", outboxRow("ev-3", "Order", "o-1", "OrderCreated", PAYLOAD))))
                .isNull();
        SourceRecord tombstone =
                new SourceRecord(Map.of(), Map.of(), "dbserver1.inventory.outbox", null, null, null, null);
        assertThat(apply(tombstone)).isNull();
    }

    @Test
    void updatesAreDroppedWhenWarnOrErrorAndFailWhenFatal() {
        SourceRecord update = event("u", outboxRow("ev-4", "Order", "o-1", "OrderCreated", PAYLOAD));

        assertThat(apply(update)).isNull();
        assertThat(apply(update, "table.op.invalid.behavior", "error")).isNull();
        assertThatThrownBy(() -> apply(update, "table.op.invalid.behavior", "FATAL"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Unexpected operation 'u'")
                .hasMessageContaining("table inventory.outbox at binlog mysql-bin.000003:4321");
    }

    @Test
    void passesThroughRecordsThatAreNotOutboxRows() {
        Schema heartbeatSchema = SchemaBuilder.struct()
                .name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", Schema.INT64_SCHEMA)
                .build();
        SourceRecord heartbeat = new SourceRecord(
                Map.of(),
                Map.of(),
                "__debezium-heartbeat.dbserver1",
                null,
                null,
                null,
                heartbeatSchema,
                new Struct(heartbeatSchema).put("ts_ms", 5L));
        SourceRecord schemaChange = new SourceRecord(
                Map.of(), Map.of(), "dbserver1", null, null, null, Schema.STRING_SCHEMA, "CREATE TABLE outbox (...)");

        assertThat(apply(heartbeat)).isSameAs(heartbeat);
        assertThat(apply(schemaChange)).isSameAs(schemaChange);
    }

    @Test
    void neverMutatesTheInputRecordOrItsHeaders() {
        SourceRecord input = create(outboxRow("ev-5", "Order", "o-5", "OrderCreated", PAYLOAD));
        Struct valueBefore = (Struct) input.value();
        String valueText = valueBefore.toString();

        SourceRecord event = apply(input, "table.fields.additional.placement", "type:header:eventType,type:envelope");

        assertThat(headerNames(input)).containsExactly("traceparent");
        assertThat(input.value()).isSameAs(valueBefore);
        assertThat(valueBefore.toString()).isEqualTo(valueText);
        assertThat(headerNames(event)).containsExactly("traceparent", "id", "eventType");
        assertThat(event.headers()).isNotSameAs(input.headers());
    }

    @Test
    void headerPlacementsCarryColumnsWithTheirSchemaAndAlias() {
        SourceRecord event = apply(
                create(outboxRow("ev-6", "Order", "o-6", "OrderShipped", PAYLOAD)),
                "table.fields.additional.placement",
                "type:header:eventType,aggregatetype:header");

        Header eventType = event.headers().lastWithName("eventType");
        assertThat(eventType.value()).isEqualTo("OrderShipped");
        assertThat(eventType.schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(event.headers().lastWithName("aggregatetype").value()).isEqualTo("Order");
        assertThat(event.value()).isEqualTo(PAYLOAD);
    }

    @Test
    void envelopePlacementWrapsPayloadInAStructNamedAfterTheAggregateType() {
        SourceRecord event = apply(
                create(outboxRow("ev-7", "Order", "o-7", "OrderShipped", PAYLOAD)),
                "table.fields.additional.placement",
                "type:envelope:eventType");

        Schema schema = event.valueSchema();
        assertThat(schema.name()).isEqualTo("dbserver1.inventory.outbox.Order.Value");
        assertThat(schema.fields()).extracting(f -> f.name()).containsExactly("payload", "eventType");
        assertThat(schema.field("payload").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        Struct value = (Struct) event.value();
        assertThat(value.get("payload")).isEqualTo(PAYLOAD);
        assertThat(value.get("eventType")).isEqualTo("OrderShipped");
    }

    @Test
    void envelopeSchemaNameFollowsEachEventsAggregateTypeNotTheFirstOne() {
        OutboxEventRouter<SourceRecord> router = new OutboxEventRouter<>();
        router.configure(config("table.fields.additional.placement", "type:envelope"));

        SourceRecord order = router.apply(create(outboxRow("ev-8", "Order", "o-8", "Created", PAYLOAD)));
        SourceRecord customer = router.apply(create(outboxRow("ev-9", "Customer", "c-9", "Created", PAYLOAD)));
        SourceRecord orderAgain = router.apply(create(outboxRow("ev-10", "Order", "o-9", "Created", PAYLOAD)));

        assertThat(order.valueSchema().name()).isEqualTo("dbserver1.inventory.outbox.Order.Value");
        assertThat(customer.valueSchema().name()).isEqualTo("dbserver1.inventory.outbox.Customer.Value");
        assertThat(orderAgain.valueSchema()).isSameAs(order.valueSchema());
    }

    @Test
    void partitionPlacementSetsThePartitionFromAnIntegerColumn() {
        Schema rowSchema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                        .field("part", Schema.INT32_SCHEMA));
        Struct row = new Struct(rowSchema)
                .put("id", "ev-11")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o-11")
                .put("payload", PAYLOAD)
                .put("part", 3);

        SourceRecord event = apply(create(row), "table.fields.additional.placement", "part:partition");

        assertThat(event.kafkaPartition()).isEqualTo(3);
        assertThat(event.topic()).isEqualTo("outbox.event.Order");
    }

    @Test
    void customRegexAndReplacementNameTheTopic() {
        SourceRecord event = apply(
                create(outboxRow("ev-12", "Order", "o-12", "Created", PAYLOAD)),
                "route.topic.regex",
                "(?<routedByValue>.*)",
                "route.topic.replacement",
                "shop.${routedByValue}.events");
        SourceRecord unmatched = apply(
                create(outboxRow("ev-13", "Order", "o-13", "Created", PAYLOAD)),
                "route.topic.regex",
                "Customer",
                "route.topic.replacement",
                "customers");

        assertThat(event.topic()).isEqualTo("shop.Order.events");
        assertThat(unmatched.topic()).isEqualTo("Order");
    }

    @Test
    void emptyPayloadBecomesATombstoneOnlyWhenAskedTo() {
        SourceRecord blank = create(outboxRow("ev-14", "Order", "o-14", "Deleted", "  "));
        SourceRecord nullPayload = create(outboxRow("ev-15", "Order", "o-15", "Deleted", null));

        SourceRecord tombstone = apply(blank, "route.tombstone.on.empty.payload", "true");
        assertThat(tombstone.value()).isNull();
        assertThat(tombstone.valueSchema()).isNull();
        assertThat(tombstone.key()).isEqualTo("o-14");
        assertThat(tombstone.headers().lastWithName("id").value()).isEqualTo("ev-14");
        assertThat(apply(nullPayload, "route.tombstone.on.empty.payload", "true")
                        .value())
                .isNull();
        assertThat(apply(blank).value()).isEqualTo("  ");
    }

    @Test
    void missingPlacedColumnFailsOrIsSkippedAsConfigured() {
        SourceRecord input = create(outboxRow("ev-16", "Order", "o-16", "Created", PAYLOAD));

        assertThatThrownBy(() -> apply(input, "table.fields.additional.placement", "tenant:header"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("no column 'tenant'")
                .hasMessageContaining("table.field.additional.missing=ignore");
        SourceRecord ignored = apply(
                input,
                "table.fields.additional.placement",
                "tenant:header,tenant:envelope",
                "table.field.additional.missing",
                "ignore");
        assertThat(headerNames(ignored)).containsExactly("traceparent", "id");
        assertThat(ignored.valueSchema().fields()).extracting(f -> f.name()).containsExactly("payload");
        SourceRecord legacy = apply(
                input,
                "table.fields.additional.placement",
                "tenant:header",
                "table.fields.additional.error.on.missing",
                "false");
        assertThat(headerNames(legacy)).containsExactly("traceparent", "id");
    }

    @Test
    void malformedRowsFailNamingColumnTableAndPositionButNotThePayload() {
        String secret = "{\"card\":\"4111-1111\"}";
        assertThatThrownBy(() -> apply(create(outboxRow("ev-17", null, "o-17", "Created", secret))))
                .isInstanceOf(DataException.class)
                .hasMessage("Column 'aggregatetype' is null (option route.by.field): table inventory.outbox at binlog"
                        + " mysql-bin.000003:4321 (topic dbserver1.inventory.outbox)");
        assertThatThrownBy(() -> apply(create(outboxRow("ev-18", "Order", null, "Created", secret))))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Column 'aggregateid' is null (option table.field.event.key)")
                .hasMessageNotContaining("4111");
        assertThatThrownBy(() -> apply(
                        create(outboxRow("ev-19", "Order", "o-19", "Created", secret)),
                        "table.field.event.id",
                        "event_id"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("no column 'event_id' (option table.field.event.id)")
                .hasMessageContaining("table inventory.outbox");
        assertThatThrownBy(() -> apply(create(outboxRow("ev-20", "Order Items!", "o-20", "Created", secret))))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("routes to topic name 'outbox.event.Order Items!'")
                .hasMessageNotContaining("4111");
    }

    @Test
    void routeByColumnMustBeAString() {
        Schema rowSchema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.INT32_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA));
        Struct row = new Struct(rowSchema)
                .put("id", "ev-21")
                .put("aggregatetype", 7)
                .put("aggregateid", "o-21")
                .put("payload", PAYLOAD);

        assertThatThrownBy(() -> apply(create(row)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Column 'aggregatetype' must hold a string to route by, but holds a INT32");
    }

    @Test
    void keyKeepsItsColumnSchemaForNumericAggregateIds() {
        Schema rowSchema = ChangeEvents.rowSchema(
                "outbox",
                SchemaBuilder.struct()
                        .field("id", Schema.INT64_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.INT64_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA));
        Struct row = new Struct(rowSchema)
                .put("id", 900L)
                .put("aggregatetype", "Order")
                .put("aggregateid", 77L)
                .put("payload", PAYLOAD);

        SourceRecord event = apply(create(row));

        assertThat(event.keySchema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(event.key()).isEqualTo(77L);
        assertThat(event.headers().lastWithName("id").schema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(event.headers().lastWithName("id").value()).isEqualTo(900L);
    }

    @Test
    void flatStructRowsFromPollingSourcesAreRouted() {
        Schema rowSchema = SchemaBuilder.struct()
                .name("outbox")
                .field("id", Schema.STRING_SCHEMA)
                .field("aggregatetype", Schema.STRING_SCHEMA)
                .field("aggregateid", Schema.STRING_SCHEMA)
                .field("type", Schema.STRING_SCHEMA)
                .field("payload", Schema.STRING_SCHEMA)
                .build();
        Struct row = new Struct(rowSchema)
                .put("id", "ev-22")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o-22")
                .put("type", "Created")
                .put("payload", PAYLOAD);
        SourceRecord polled = new SourceRecord(
                Map.of("table", "shop.outbox"),
                Map.of("incrementing", 22L),
                "jdbc-outbox",
                null,
                null,
                null,
                rowSchema,
                row,
                1234L,
                new ConnectHeaders());

        SourceRecord event = apply(polled);

        assertThat(event.topic()).isEqualTo("outbox.event.Order");
        assertThat(event.key()).isEqualTo("o-22");
        assertThat(event.value()).isEqualTo(PAYLOAD);
        assertThat(event.valueSchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(event.timestamp()).isEqualTo(1234L);
        assertThat(event.headers().lastWithName("id").value()).isEqualTo("ev-22");
    }

    @Test
    void schemalessMapRowsAreRoutedWithInferredHeaderSchemas() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", "ev-23");
        row.put("aggregatetype", "Order");
        row.put("aggregateid", "o-23");
        row.put("type", "Created");
        row.put("payload", PAYLOAD);
        SourceRecord polled = new SourceRecord(Map.of(), Map.of(), "jdbc-outbox", null, null, null, null, row, 99L);

        SourceRecord event = apply(
                polled,
                "table.expand.json.payload",
                "true",
                "table.fields.additional.placement",
                "type:header:eventType");

        assertThat(event.topic()).isEqualTo("outbox.event.Order");
        assertThat(event.keySchema()).isNull();
        assertThat(event.key()).isEqualTo("o-23");
        assertThat(event.valueSchema()).isNull();
        assertThat(event.value()).isEqualTo(Map.of("orderId", 42, "total", 9.5));
        assertThat(event.headers().lastWithName("id").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(event.headers().lastWithName("eventType").value()).isEqualTo("Created");
    }

    @Test
    void onASinkConnectorTheEventKeepsItsKafkaPartitionUnlessAPlacementSetsOne() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", "ev-25");
        row.put("aggregatetype", "Order");
        row.put("aggregateid", "o-25");
        row.put("type", "Created");
        row.put("payload", PAYLOAD);
        row.put("part", 1);
        // As the worker hands it over after JsonConverter with schemas.enable=false: a schemaless Map on partition 3.
        org.apache.kafka.connect.sink.SinkRecord consumed =
                new org.apache.kafka.connect.sink.SinkRecord("outbox-rows", 3, null, null, null, row, 77L);
        OutboxEventRouter<org.apache.kafka.connect.sink.SinkRecord> router = new OutboxEventRouter<>();
        router.configure(Map.of());
        OutboxEventRouter<org.apache.kafka.connect.sink.SinkRecord> placing = new OutboxEventRouter<>();
        placing.configure(Map.of("table.fields.additional.placement", "part:partition"));
        try {
            org.apache.kafka.connect.sink.SinkRecord event = router.apply(consumed);
            assertThat(event.topic()).isEqualTo("outbox.event.Order");
            assertThat(event.kafkaPartition()).isEqualTo(3);
            assertThat(event.kafkaOffset()).isEqualTo(77L);
            assertThat(event.originalKafkaPartition()).isEqualTo(3);
            assertThat(placing.apply(consumed).kafkaPartition()).isEqualTo(1);
        } finally {
            router.close();
            placing.close();
        }
        assertThat(apply(create(outboxRow("ev-26", "Order", "o-26", "Created", PAYLOAD)))
                        .kafkaPartition())
                .as("a source record's partition is left to the producer, as Debezium does")
                .isNull();
    }

    @Test
    void autoDetectionPassesThroughValuesWithoutOutboxColumnsAndRowModeRejectsThem() {
        Map<String, Object> other = Map.of("id", "x", "name", "not an outbox row");
        SourceRecord record = new SourceRecord(Map.of(), Map.of(), "customers", null, null, null, null, other);

        assertThat(apply(record)).isSameAs(record);
        assertThatThrownBy(() -> apply(record, "input.format", "row"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("no column 'aggregatetype' (option route.by.field)");
        assertThat(apply(create(outboxRow("ev-24", "Order", "o-24", "Created", PAYLOAD)), "input.format", "envelope")
                        .topic())
                .isEqualTo("outbox.event.Order");
    }

    @Test
    void shardsAndManyOutboxTablesLandOnTheSameTopicsWithProvenanceHeaders() {
        Schema shardTable = ChangeEvents.rowSchema(
                "outbox_3",
                SchemaBuilder.struct()
                        .field("id", Schema.STRING_SCHEMA)
                        .field("aggregatetype", Schema.STRING_SCHEMA)
                        .field("aggregateid", Schema.STRING_SCHEMA)
                        .field("payload", Schema.OPTIONAL_STRING_SCHEMA));
        Struct row = new Struct(shardTable)
                .put("id", "ev-25")
                .put("aggregatetype", "Order")
                .put("aggregateid", "o-25")
                .put("payload", PAYLOAD);

        SourceRecord fromShard = apply(create(row), "provenance.headers", "true");
        SourceRecord fromMain = apply(create(outboxRow("ev-26", "Order", "o-26", "Created", PAYLOAD)));

        assertThat(fromShard.topic()).isEqualTo(fromMain.topic()).isEqualTo("outbox.event.Order");
        assertThat(fromShard.headers().lastWithName("outbox.source.server").value())
                .isEqualTo("dbserver1");
        assertThat(fromShard.headers().lastWithName("outbox.source.db").value()).isEqualTo("inventory");
        assertThat(fromShard.headers().lastWithName("outbox.source.table").value())
                .isEqualTo("inventory.outbox_3");
        assertThat(fromShard.headers().lastWithName("outbox.source.position").value())
                .isEqualTo("binlog mysql-bin.000003:4321");
        assertThat(fromShard.headers().lastWithName("outbox.source.version").value())
                .isEqualTo("3000000000000000432100000");
        assertThat(fromMain.headers().lastWithName("outbox.source.table")).isNull();
    }

    @Test
    void postgresProvenanceNamesSchemaTableAndLsn() {
        SourceRecord input = create(outboxRow("ev-27", "Order", "o-27", "Created", PAYLOAD));
        Struct source = ((Struct) input.value()).getStruct("source");
        source.put("connector", "postgresql")
                .put("schema", "public")
                .put("file", null)
                .put("pos", null)
                .put("lsn", 24023128L);

        SourceRecord event = apply(input, "provenance.headers", "true");

        assertThat(event.headers().lastWithName("outbox.source.table").value()).isEqualTo("public.outbox");
        assertThat(event.headers().lastWithName("outbox.source.position").value())
                .isEqualTo("LSN 24023128");
        assertThat(event.headers().lastWithName("outbox.source.version").value())
                .isEqualTo("24023128");
    }

    @Test
    void versionIsTheMavenProjectVersion() {
        assertThat(new OutboxEventRouter<SourceRecord>().version()).isEqualTo(System.getProperty("project.version"));
    }
}
