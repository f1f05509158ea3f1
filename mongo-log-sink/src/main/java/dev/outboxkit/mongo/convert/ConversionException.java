package dev.outboxkit.mongo.convert;

/** A record that cannot become an event document; the message names the problem, never a value. */
public final class ConversionException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConversionException(String message) {
        super(message, null, false, false);
    }
}
