package dev.outboxkit.mongo.write;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * Exponential back-off across the retries of one outage, bounded by an overall timeout (negative: none).
 * A successful write ends the outage and resets it.
 */
public final class RetryPolicy {

    private final long initialMs;
    private final long maxMs;
    private final long timeoutMs;
    private long outageStartMs = -1;
    private long nextBackoffMs;
    private int attempts;

    public RetryPolicy(long initialMs, long maxMs, long timeoutMs) {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.timeoutMs = timeoutMs;
        this.nextBackoffMs = initialMs;
    }

    /**
     * The wait before the next attempt.
     *
     * @throws ConnectException when the outage has lasted longer than the retry timeout
     */
    public long onFailure(long nowMs, String reason) {
        return onFailure(nowMs, reason, -1);
    }

    /**
     * The wait before the next attempt: the back-off, or longer when the server asked for a longer wait
     * ({@code serverHintMs}, -1 for none), never past the retry timeout.
     *
     * @throws ConnectException when the outage has lasted longer than the retry timeout
     */
    public long onFailure(long nowMs, String reason, long serverHintMs) {
        if (outageStartMs < 0) {
            outageStartMs = nowMs;
        }
        long elapsed = nowMs - outageStartMs;
        if (timeoutMs >= 0 && elapsed >= timeoutMs) {
            throw new ConnectException("MongoDB writes kept failing for " + elapsed + " ms over " + attempts
                    + " retries, longer than retry.timeout.ms=" + timeoutMs + "; last failure: " + reason);
        }
        long backoff = Math.max(nextBackoffMs, serverHintMs);
        if (timeoutMs >= 0) {
            backoff = Math.min(backoff, Math.max(1, timeoutMs - elapsed));
        }
        nextBackoffMs = Math.min(maxMs, nextBackoffMs * 2);
        attempts++;
        return backoff;
    }

    public void onSuccess() {
        outageStartMs = -1;
        nextBackoffMs = initialMs;
        attempts = 0;
    }

    public int attempts() {
        return attempts;
    }
}
