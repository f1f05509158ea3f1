package dev.outboxkit.it.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.opentest4j.AssertionFailedError;

/** Waits on a condition, never on the clock alone; on timeout it says what was missing and what was seen. */
public final class Wait {

    private static final long POLL_MS = 100;

    private Wait() {
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /**
     * @param state describes what was seen instead, for the failure message
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                lastError = null;
            } catch (RuntimeException e) {
                lastError = e;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("Interrupted while waiting until " + what);
            }
        }
        String seen;
        try {
            seen = state.get();
        } catch (RuntimeException e) {
            seen = "(could not describe the state: " + e + ")";
        }
        throw new AssertionFailedError("Timed out after " + timeout.toSeconds() + " s waiting until " + what
                + (seen.isEmpty() ? "" : "; saw: " + seen)
                + (lastError != null ? "; last error: " + lastError : ""));
    }
}
