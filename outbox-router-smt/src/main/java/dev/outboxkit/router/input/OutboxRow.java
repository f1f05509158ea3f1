package dev.outboxkit.router.input;

import java.util.Map;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * One outbox row, however it arrived (the {@code after} of a change event, or a flat row), with the change
 * event's time and where it came from. Columns are read by name; a schemaless row has no column schemas.
 */
public abstract class OutboxRow {

    private final ConnectRecord<?> record;
    private final Object source;
    private final String operation;
    private final Long changeTimeMs;

    OutboxRow(ConnectRecord<?> record, Object source, String operation, Long changeTimeMs) {
        this.record = record;
        this.source = source;
        this.operation = operation;
        this.changeTimeMs = changeTimeMs;
    }

    static OutboxRow of(ConnectRecord<?> record, Object row, Object source, String operation, Long changeTimeMs) {
        if (row instanceof Struct struct) {
            return new StructRow(record, struct, source, operation, changeTimeMs);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) row;
        return new MapRow(record, map, source, operation, changeTimeMs);
    }

    /** Whether the row has this column at all (a null value still counts). */
    public abstract boolean hasColumn(String column);

    /** The column's value; null when the column is null or absent. */
    public abstract Object get(String column);

    /** The column's schema; null for a schemaless row or an absent column. */
    public abstract Schema columnSchema(String column);

    /** The row's own schema (the table's value schema); null for a schemaless row. */
    public abstract Schema rowSchema();

    public boolean schemaless() {
        return rowSchema() == null;
    }

    /** When the change happened according to the source ({@code ts_ms}), or the record's timestamp for flat rows. */
    public Long changeTimeMs() {
        return changeTimeMs;
    }

    /** The change event's {@code source} block (a Struct or a Map), or null for a flat row. */
    public Object source() {
        return source;
    }

    /** The change event's operation ({@code c} or {@code r}), or null for a flat row. */
    public String operation() {
        return operation;
    }

    /** Where the row came from, for error messages and provenance headers. Computed on demand. */
    public Provenance provenance() {
        return Provenance.of(record, source);
    }

    private static final class StructRow extends OutboxRow {
        private final Struct row;

        StructRow(ConnectRecord<?> record, Struct row, Object source, String operation, Long changeTimeMs) {
            super(record, source, operation, changeTimeMs);
            this.row = row;
        }

        @Override
        public boolean hasColumn(String column) {
            return row.schema().field(column) != null;
        }

        @Override
        public Object get(String column) {
            Field field = row.schema().field(column);
            return field == null ? null : row.get(field);
        }

        @Override
        public Schema columnSchema(String column) {
            Field field = row.schema().field(column);
            return field == null ? null : field.schema();
        }

        @Override
        public Schema rowSchema() {
            return row.schema();
        }
    }

    private static final class MapRow extends OutboxRow {
        private final Map<String, Object> row;

        MapRow(ConnectRecord<?> record, Map<String, Object> row, Object source, String operation, Long changeTimeMs) {
            super(record, source, operation, changeTimeMs);
            this.row = row;
        }

        @Override
        public boolean hasColumn(String column) {
            return row.containsKey(column);
        }

        @Override
        public Object get(String column) {
            return row.get(column);
        }

        @Override
        public Schema columnSchema(String column) {
            return null;
        }

        @Override
        public Schema rowSchema() {
            return null;
        }
    }
}
