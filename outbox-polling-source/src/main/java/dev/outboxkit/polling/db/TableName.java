package dev.outboxkit.polling.db;

import java.util.regex.Pattern;

/** An outbox table as configured: an optional schema (PostgreSQL schema, MariaDB/MySQL database) and a name. */
public record TableName(String schema, String table) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    public TableName {
        if (!IDENTIFIER.matcher(table).matches()
                || (schema != null && !IDENTIFIER.matcher(schema).matches())) {
            throw new IllegalArgumentException("not a plain [schema.]table name");
        }
    }

    public static TableName parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        int dot = trimmed.indexOf('.');
        if (dot < 0) {
            return new TableName(null, trimmed);
        }
        return new TableName(trimmed.substring(0, dot), trimmed.substring(dot + 1));
    }

    /** The name as configured, which is also the source partition and the provenance table. */
    public String qualified() {
        return toString();
    }

    @Override
    public String toString() {
        return schema == null ? table : schema + "." + table;
    }
}
