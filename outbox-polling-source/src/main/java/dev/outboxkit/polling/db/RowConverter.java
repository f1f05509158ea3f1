package dev.outboxkit.polling.db;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns a row into a flat Connect {@link Struct} with one optional field per column, for the router's
 * {@code input.format=row}: integers as INT64, booleans, floating point as FLOAT64, binary as BYTES, timestamps as
 * epoch milliseconds (INT64), everything else (text, JSON, decimals, xid8) as its text. The schema is derived once
 * per result shape.
 */
public final class RowConverter {

    private final String schemaName;
    private Schema schema;
    private int[] types;
    private String[] names;

    public RowConverter(TableName table) {
        this.schemaName = "dev.outboxkit.polling." + table.qualified() + ".Row";
    }

    public Struct convert(ResultSet row) throws SQLException {
        ensureSchema(row.getMetaData());
        Struct struct = new Struct(schema);
        for (int i = 0; i < names.length; i++) {
            int column = i + 1;
            Object value = switch (types[i]) {
                case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
                    long v = row.getLong(column);
                    yield row.wasNull() ? null : v;
                }
                case Types.BOOLEAN, Types.BIT -> {
                    boolean v = row.getBoolean(column);
                    yield row.wasNull() ? null : v;
                }
                case Types.REAL, Types.FLOAT, Types.DOUBLE -> {
                    double v = row.getDouble(column);
                    yield row.wasNull() ? null : v;
                }
                case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> row.getBytes(column);
                case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
                    Timestamp v = row.getTimestamp(column);
                    yield v == null ? null : v.getTime();
                }
                default -> row.getString(column);
            };
            struct.put(names[i], value);
        }
        return struct;
    }

    private void ensureSchema(ResultSetMetaData meta) throws SQLException {
        int count = meta.getColumnCount();
        if (schema != null && names.length == count && sameColumns(meta)) {
            return;
        }
        SchemaBuilder builder = SchemaBuilder.struct().name(schemaName);
        types = new int[count];
        names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = meta.getColumnLabel(i + 1);
            types[i] = normalise(meta.getColumnType(i + 1), meta.getColumnTypeName(i + 1));
            builder.field(names[i], fieldSchema(types[i]));
        }
        schema = builder.build();
    }

    private boolean sameColumns(ResultSetMetaData meta) throws SQLException {
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(meta.getColumnLabel(i + 1))
                    || types[i] != normalise(meta.getColumnType(i + 1), meta.getColumnTypeName(i + 1))) {
                return false;
            }
        }
        return true;
    }

    private static int normalise(int type, String typeName) {
        // MariaDB reports TINYINT(1) as BIT/BOOLEAN and JSON as a LONGVARCHAR; PostgreSQL's bytea as BINARY.
        if (type == Types.LONGVARBINARY
                && typeName != null
                && typeName.toUpperCase(java.util.Locale.ROOT).contains("TEXT")) {
            return Types.LONGVARCHAR;
        }
        return type;
    }

    private static Schema fieldSchema(int type) {
        return switch (type) {
            case Types.BIGINT,
                    Types.INTEGER,
                    Types.SMALLINT,
                    Types.TINYINT,
                    Types.TIMESTAMP,
                    Types.TIMESTAMP_WITH_TIMEZONE -> Schema.OPTIONAL_INT64_SCHEMA;
            case Types.BOOLEAN, Types.BIT -> Schema.OPTIONAL_BOOLEAN_SCHEMA;
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> Schema.OPTIONAL_FLOAT64_SCHEMA;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> Schema.OPTIONAL_BYTES_SCHEMA;
            default -> Schema.OPTIONAL_STRING_SCHEMA;
        };
    }
}
