package dev.outboxkit.mongo.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Where a piece of event metadata is read from a record: {@code header:NAME} (the last header of that name),
 * {@code value:PATH} (a dotted field path into a Struct or Map value), {@code key} (the record key), or
 * {@code topic} (the aggregate type taken from the topic name). A list of sources is tried in order; the first
 * non-null answer wins.
 */
public abstract class ValueSource {

    public static final ConfigDef.Validator LIST_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            if (entries == null || entries.isEmpty()) {
                throw new ConfigException(name, value, "must name at least one source");
            }
            for (String entry : entries) {
                parse(name, entry, null);
            }
        }

        @Override
        public String toString() {
            return "comma-separated list of header:NAME, value:PATH, key, topic";
        }
    };

    /** Reads the value, or null when this source has none for the record. */
    public abstract Object read(SinkRecord record);

    /** The source as written in the configuration, for messages. */
    @Override
    public abstract String toString();

    public static List<ValueSource> parseList(String option, List<String> entries, Pattern topicPattern) {
        List<ValueSource> sources = new ArrayList<>(entries.size());
        for (String entry : entries) {
            sources.add(parse(option, entry, topicPattern));
        }
        return List.copyOf(sources);
    }

    /** The first non-null value of the sources, in order. */
    public static Object firstOf(List<ValueSource> sources, SinkRecord record) {
        Found found = find(sources, record);
        return found == null ? null : found.value();
    }

    /** The first non-null value of the sources, in order, with the source that gave it; null when none did. */
    public static Found find(List<ValueSource> sources, SinkRecord record) {
        for (ValueSource source : sources) {
            Object value = source.read(record);
            if (value != null) {
                return new Found(source, value);
            }
        }
        return null;
    }

    /** A value and where it was read. */
    public record Found(ValueSource source, Object value) {}

    /** Whether the value comes from a record header, which the worker's header converter has already typed. */
    public boolean readsHeader() {
        return false;
    }

    private static ValueSource parse(String option, String entry, Pattern topicPattern) {
        String trimmed = entry.trim();
        if (trimmed.equals("key")) {
            return new KeySource();
        }
        if (trimmed.equals("topic")) {
            return new TopicSource(topicPattern);
        }
        int colon = trimmed.indexOf(':');
        String kind = colon < 0 ? trimmed : trimmed.substring(0, colon);
        String argument = colon < 0 ? "" : trimmed.substring(colon + 1).trim();
        if ((kind.equals("header") || kind.equals("value")) && argument.isEmpty()) {
            throw new ConfigException(option, entry, "'" + kind + ":' needs a name after the colon");
        }
        if (kind.equals("header")) {
            return new HeaderSource(argument);
        }
        if (kind.equals("value")) {
            for (String part : argument.split("\\.", -1)) {
                if (part.isEmpty()) {
                    throw new ConfigException(option, entry, "the field path has an empty segment");
                }
            }
            return new ValuePathSource(argument);
        }
        throw new ConfigException(option, entry, "unknown source; expected header:NAME, value:PATH, key or topic");
    }

    private static final class HeaderSource extends ValueSource {
        private final String name;

        HeaderSource(String name) {
            this.name = name;
        }

        @Override
        public Object read(SinkRecord record) {
            Header header = record.headers().lastWithName(name);
            return header == null ? null : header.value();
        }

        @Override
        public boolean readsHeader() {
            return true;
        }

        @Override
        public String toString() {
            return "header:" + name;
        }
    }

    private static final class ValuePathSource extends ValueSource {
        private final String path;
        private final String[] segments;

        ValuePathSource(String path) {
            this.path = path;
            this.segments = path.split("\\.");
        }

        @Override
        public Object read(SinkRecord record) {
            Object current = record.value();
            for (String segment : segments) {
                if (current instanceof Struct struct) {
                    Field field = struct.schema().field(segment);
                    current = field == null ? null : struct.get(field);
                } else if (current instanceof Map<?, ?> map) {
                    current = map.get(segment);
                } else {
                    return null;
                }
            }
            return current;
        }

        @Override
        public String toString() {
            return "value:" + path;
        }
    }

    private static final class KeySource extends ValueSource {
        @Override
        public Object read(SinkRecord record) {
            return record.key();
        }

        @Override
        public String toString() {
            return "key";
        }
    }

    private static final class TopicSource extends ValueSource {
        private final Pattern pattern;

        TopicSource(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        public Object read(SinkRecord record) {
            if (pattern == null) {
                return record.topic();
            }
            Matcher matcher = pattern.matcher(record.topic());
            return matcher.matches() && matcher.groupCount() >= 1 ? matcher.group(1) : record.topic();
        }

        @Override
        public String toString() {
            return "topic";
        }
    }
}
