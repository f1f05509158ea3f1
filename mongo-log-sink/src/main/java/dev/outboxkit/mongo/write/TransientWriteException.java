package dev.outboxkit.mongo.write;

/** MongoDB could not take the writes now; the same writes will succeed later. */
public final class TransientWriteException extends Exception {
    private static final long serialVersionUID = 1L;

    TransientWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
