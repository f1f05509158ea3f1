package dev.outboxkit.router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Builds change events shaped like those of Debezium's MySQL/MariaDB connector (and, with an LSN, PostgreSQL):
 * an envelope named {@code <server>.<db>.<table>.Envelope} with before, after, source, op and ts_ms.
 */
final class ChangeEvents {

    static final String SERVER = "dbserver1";
    static final String DATABASE = "inventory";
    static final long TS_MS = 1_700_000_000_123L;

    static final Schema SOURCE_SCHEMA = SchemaBuilder.struct()
            .name("io.debezium.connector.mysql.Source")
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("db", Schema.OPTIONAL_STRING_SCHEMA)
            .field("schema", Schema.OPTIONAL_STRING_SCHEMA)
            .field("table", Schema.OPTIONAL_STRING_SCHEMA)
            .field("file", Schema.OPTIONAL_STRING_SCHEMA)
            .field("pos", Schema.OPTIONAL_INT64_SCHEMA)
            .field("row", Schema.OPTIONAL_INT32_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    /** The classic outbox table: id, aggregatetype, aggregateid, type, payload (JSON text). */
    static final Schema OUTBOX_ROW = rowSchema(
            "outbox",
            SchemaBuilder.struct()
                    .field("id", Schema.STRING_SCHEMA)
                    .field("aggregatetype", Schema.STRING_SCHEMA)
                    .field("aggregateid", Schema.STRING_SCHEMA)
                    .field("type", Schema.STRING_SCHEMA)
                    .field("payload", Schema.OPTIONAL_STRING_SCHEMA));

    /** The same table with nullable columns, as a careless DDL would have it. */
    static final Schema NULLABLE_OUTBOX_ROW = rowSchema(
            "outbox",
            SchemaBuilder.struct()
                    .field("id", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("aggregatetype", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("aggregateid", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("type", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("payload", Schema.OPTIONAL_STRING_SCHEMA));

    private ChangeEvents() {}

    static Schema rowSchema(String table, SchemaBuilder fields) {
        return fields.name(SERVER + "." + DATABASE + "." + table + ".Value")
                .optional()
                .build();
    }

    static Schema envelopeSchema(Schema rowSchema) {
        String prefix = rowSchema.name().substring(0, rowSchema.name().length() - ".Value".length());
        return SchemaBuilder.struct()
                .name(prefix + ".Envelope")
                .field("before", rowSchema)
                .field("after", rowSchema)
                .field("source", SOURCE_SCHEMA)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
    }

    static Struct outboxRow(String id, String aggregateType, String aggregateId, String type, String payload) {
        Schema schema = id == null || aggregateType == null || aggregateId == null || type == null
                ? NULLABLE_OUTBOX_ROW
                : OUTBOX_ROW;
        return new Struct(schema)
                .put("id", id)
                .put("aggregatetype", aggregateType)
                .put("aggregateid", aggregateId)
                .put("type", type)
                .put("payload", payload);
    }

    static SourceRecord create(Struct row) {
        return event("c", row);
    }

    static SourceRecord event(String op, Struct row) {
        String table = tableOf(row.schema());
        Struct source = new Struct(SOURCE_SCHEMA)
                .put("connector", "mysql")
                .put("name", SERVER)
                .put("ts_ms", TS_MS - 5)
                .put("db", DATABASE)
                .put("table", table)
                .put("file", "mysql-bin.000003")
                .put("pos", 4321L)
                .put("row", 0);
        Struct envelope = new Struct(envelopeSchema(row.schema()))
                .put("source", source)
                .put("op", op)
                .put("ts_ms", TS_MS);
        if (op.equals("d")) {
            envelope.put("before", row);
        } else if (!op.equals("t")) {
            envelope.put("after", row);
        }
        if (op.equals("u")) {
            envelope.put("before", row);
        }
        return record(envelope);
    }

    static SourceRecord record(Struct envelope) {
        Schema keySchema = SchemaBuilder.struct()
                .name(envelope.schema().name().replace(".Envelope", ".Key"))
                .field(
                        "id",
                        envelope.schema().field("after").schema().field("id").schema())
                .build();
        Struct after = envelope.getStruct("after") != null ? envelope.getStruct("after") : envelope.getStruct("before");
        Struct key = after == null ? null : new Struct(keySchema).put("id", after.get("id"));
        Map<String, Object> partition = Map.of("server", SERVER);
        Map<String, Object> offset = new LinkedHashMap<>();
        offset.put("file", "mysql-bin.000003");
        offset.put("pos", 4321L);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("traceparent", "00-abc-def-01");
        return new SourceRecord(
                partition,
                offset,
                SERVER + "." + DATABASE + "."
                        + tableOf(envelope.schema().field("after").schema()),
                null,
                key == null ? null : keySchema,
                key,
                envelope.schema(),
                envelope,
                TS_MS + 1000,
                headers);
    }

    /** A record's headers, in order. */
    static List<Header> headers(ConnectRecord<?> record) {
        List<Header> headers = new ArrayList<>();
        record.headers().forEach(headers::add);
        return headers;
    }

    private static String tableOf(Schema rowSchema) {
        String name = rowSchema.name();
        String withoutSuffix = name.substring(0, name.length() - ".Value".length());
        return withoutSuffix.substring(withoutSuffix.lastIndexOf('.') + 1);
    }
}
