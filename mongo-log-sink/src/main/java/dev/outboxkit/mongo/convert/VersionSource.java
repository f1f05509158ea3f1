package dev.outboxkit.mongo.convert;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.bson.BsonDecimal128;
import org.bson.BsonInt64;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * Where the read model's version of an event is read ({@code latest.version.sources}): {@code header:NAME},
 * {@code value:PATH}, {@code key}, or {@code kafka.offset}; tried in order, the first present wins. A version is a
 * non-negative integer (a Connect integer, or its decimal text of at most 34 digits), stored as Int64 when it fits
 * and as Decimal128 otherwise, so that MongoDB compares any two versions as numbers.
 */
public final class VersionSource {

    /** Decimal128 holds 34 decimal digits exactly. */
    public static final int MAX_DIGITS = 34;

    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1," + MAX_DIGITS + "}");
    private static final String KAFKA_OFFSET = "kafka.offset";

    public static final ConfigDef.Validator LIST_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            if (entries == null || entries.isEmpty()) {
                throw new ConfigException(name, value, "must name at least one source");
            }
            parseList(name, entries);
        }

        @Override
        public String toString() {
            return "comma-separated list of header:NAME, value:PATH, key, kafka.offset";
        }
    };

    private final String text;
    /** Null for kafka.offset. */
    private final ValueSource source;

    private VersionSource(String text, ValueSource source) {
        this.text = text;
        this.source = source;
    }

    public static List<VersionSource> parseList(String option, List<String> entries) {
        List<VersionSource> sources = new ArrayList<>(entries.size());
        for (String entry : entries) {
            String trimmed = entry.trim();
            if (trimmed.equals(KAFKA_OFFSET)) {
                sources.add(new VersionSource(trimmed, null));
            } else if (trimmed.equals("topic")) {
                throw new ConfigException(
                        option,
                        entry,
                        "a topic name is no version; expected header:NAME, value:PATH, key" + " or " + KAFKA_OFFSET);
            } else {
                sources.add(new VersionSource(
                        trimmed,
                        ValueSource.parseList(option, List.of(trimmed), null).get(0)));
            }
        }
        return List.copyOf(sources);
    }

    /**
     * The version of a record from the first source that has one, as a BSON number.
     *
     * @throws ConversionException when no source has a version, or the first one found is not a non-negative integer
     */
    public static BsonValue versionOf(List<VersionSource> sources, SinkRecord record, String option)
            throws ConversionException {
        for (VersionSource source : sources) {
            if (source.source == null) {
                return new BsonInt64(record.originalKafkaOffset());
            }
            Object value = source.source.read(record);
            if (value != null) {
                return toVersion(value, source.text, option);
            }
        }
        throw new ConversionException("the record has no version (option " + option + " = " + sources + ")");
    }

    static BsonValue toVersion(Object value, String where, String option) throws ConversionException {
        BigInteger number;
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            number = BigInteger.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            number = big;
        } else if (value instanceof BigDecimal decimal) {
            try {
                number = decimal.toBigIntegerExact();
            } catch (ArithmeticException e) {
                throw notComparable(where, option, "a number with a fraction");
            }
        } else if (value instanceof String text) {
            String trimmed = text.trim();
            if (!DIGITS.matcher(trimmed).matches()) {
                throw notComparable(
                        where,
                        option,
                        trimmed.isEmpty()
                                ? "empty text"
                                : "text that is not a non-negative integer of at most " + MAX_DIGITS + " digits");
            }
            number = new BigInteger(trimmed);
        } else {
            throw notComparable(
                    where, option, "a value of type " + value.getClass().getSimpleName());
        }
        if (number.signum() < 0) {
            throw notComparable(where, option, "a negative number");
        }
        if (number.compareTo(LONG_MAX) <= 0) {
            return new BsonInt64(number.longValue());
        }
        if (number.toString().length() > MAX_DIGITS) {
            throw notComparable(where, option, "a number of more than " + MAX_DIGITS + " digits");
        }
        return new BsonDecimal128(new Decimal128(new BigDecimal(number)));
    }

    private static ConversionException notComparable(String where, String option, String what) {
        return new ConversionException("the version from " + where + " is " + what + ", so it does not compare (option "
                + option + "; a version is a non-negative integer)");
    }

    @Override
    public String toString() {
        return text;
    }
}
