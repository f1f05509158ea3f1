package dev.outboxkit.router.output;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * One entry of {@code table.fields.additional.placement}: an outbox column carried into the event as a header,
 * an envelope field or the partition.
 */
public record AdditionalField(String column, Placement placement, String alias) {

    public enum Placement {
        HEADER,
        ENVELOPE,
        PARTITION
    }

    public static final ConfigDef.Validator VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            for (String entry : entries) {
                if (!entry.isBlank()) {
                    parse(name, entry);
                }
            }
        }

        @Override
        public String toString() {
            return "comma-separated list of column:header|envelope|partition[:alias]";
        }
    };

    /**
     * Parses the whole list; entries were validated by {@link #VALIDATOR}. Empty entries (a trailing comma, as in
     * {@code type:header:eventType,}) are skipped, as Debezium skips them.
     */
    public static List<AdditionalField> parseList(List<String> entries) {
        if (entries == null || entries.isEmpty()) {
            return Collections.emptyList();
        }
        List<AdditionalField> fields = new ArrayList<>(entries.size());
        for (String entry : entries) {
            if (!entry.isBlank()) {
                fields.add(parse("table.fields.additional.placement", entry));
            }
        }
        return Collections.unmodifiableList(fields);
    }

    private static AdditionalField parse(String option, String entry) {
        String[] parts = entry.split(":", -1);
        if (parts.length != 2 && parts.length != 3) {
            throw new ConfigException(
                    option,
                    entry,
                    "each entry must be column:placement or column:placement:alias, with placement one of header, envelope, partition");
        }
        String column = parts[0].trim();
        if (column.isEmpty()) {
            throw new ConfigException(option, entry, "the column name is empty");
        }
        Placement placement;
        try {
            placement = Placement.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    option,
                    entry,
                    "unknown placement '" + parts[1].trim() + "'; expected one of header, envelope, partition");
        }
        String alias = parts.length == 3 ? parts[2].trim() : column;
        if (alias.isEmpty()) {
            throw new ConfigException(option, entry, "the alias is empty");
        }
        return new AdditionalField(column, placement, alias);
    }
}
