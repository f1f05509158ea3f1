package dev.outboxkit.mongo.convert;

import java.util.Date;

import org.bson.BsonBinary;
import org.bson.BsonString;
import org.bson.BsonValue;

import dev.outboxkit.mongo.SinkConfig;

/**
 * The stored {@code _id}: the event id as text, exactly as the outbox row had it, so that one event has one
 * {@code _id} whichever converters carried it. Text is kept as it is; an integer (a BIGINT id read from a
 * value field, a key, or a header a transform set) becomes its decimal text, which is also what a string header
 * converter delivers for it; bytes stay binary.
 *
 * <p>The worker's default header converter ({@code SimpleHeaderConverter}) re-types header text: "007" and "7"
 * both arrive as the number 7, "2024-01-01" as a date, "1.0" as a float. That cannot be undone, so an id read
 * from a header that arrives as anything but text is refused with the fix in the reason, unless the connector
 * declares a text-preserving header converter (then a typed header came from a transform and is taken as it
 * is). Nothing is dropped as a false duplicate.
 */
final class EventIds {

    static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";

    private final boolean headersKeepText;

    /** @param headersKeepText whether the connector's {@code header.converter} hands header text over unchanged */
    EventIds(boolean headersKeepText) {
        this.headersKeepText = headersKeepText;
    }

    /** Whether a {@code header.converter} setting keeps header values as the text that was sent. */
    static boolean keepsText(String headerConverter) {
        return headerConverter != null && headerConverter.trim().equals(STRING_CONVERTER);
    }

    BsonValue toId(ValueSource.Found found) throws ConversionException {
        Object value = found.value();
        if (value instanceof String text) {
            return new BsonString(Text.checked(text, "the event id"));
        }
        boolean integral =
                value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte;
        if (found.source().readsHeader()
                && !headersKeepText
                && (value instanceof Number || value instanceof Date || value instanceof Boolean)) {
            throw new ConversionException("the event id from " + found.source() + " arrived as " + kind(value)
                    + ", not as text: the worker's header converter re-typed it (SimpleHeaderConverter, the default, reads"
                    + " \"007\" and \"7\" as the same number), so the id as sent is lost. Set header.converter="
                    + STRING_CONVERTER + " on this connector");
        }
        if (integral) {
            return new BsonString(value.toString());
        }
        byte[] bytes = BsonValues.bytesOf(value);
        if (bytes != null) {
            return new BsonBinary(bytes);
        }
        throw new ConversionException("the event id from " + found.source() + " is " + kind(value)
                + "; an event id must be" + " text, an integer or bytes (option " + SinkConfig.EVENT_ID_SOURCES + ")");
    }

    private static String kind(Object value) {
        if (value instanceof Date) {
            return "a date";
        }
        if (value instanceof Number) {
            return "a number (" + value.getClass().getSimpleName() + ")";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a " + value.getClass().getSimpleName();
    }
}
