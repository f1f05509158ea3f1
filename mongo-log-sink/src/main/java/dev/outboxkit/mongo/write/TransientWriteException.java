package dev.outboxkit.mongo.write;

/**
 * MongoDB could not take the writes now; the same writes will succeed later. Carries the wait the server asked for,
 * when it named one (Azure Cosmos DB's {@code RetryAfterMs} on a throttled write).
 */
public final class TransientWriteException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long retryAfterMs;

    TransientWriteException(String message, Throwable cause) {
        this(message, cause, -1);
    }

    TransientWriteException(String message, Throwable cause, long retryAfterMs) {
        super(message, cause);
        this.retryAfterMs = retryAfterMs;
    }

    /** The wait the server asked for before a retry, or -1 when it named none. */
    public long retryAfterMs() {
        return retryAfterMs;
    }
}
