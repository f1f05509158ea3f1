package dev.outboxkit.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one poller of the tests, the local pipeline and the chaos harness: waits on a condition, never on the clock
 * alone. A condition that throws counts as "not yet" (a process is still starting, a fault is in progress); on timeout
 * it says what was awaited, what was seen and the last error.
 */
public final class Wait {

    private static final long POLL_MS = 100;

    private Wait() {}

    /** The condition did not hold in time; a RuntimeException, so that callers that survive a failed step can. */
    public static final class TimedOut extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /**
     * @param state describes what was seen instead, for the failure message
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        RuntimeException[] lastError = new RuntimeException[1];
        if (poll(timeout, condition, lastError)) {
            return;
        }
        String seen;
        try {
            seen = state.get();
        } catch (RuntimeException e) {
            seen = "(could not describe the state: " + e + ")";
        }
        throw new TimedOut("Timed out after " + timeout.toSeconds() + " s waiting until " + what
                + (seen.isEmpty() ? "" : "; saw: " + seen)
                + (lastError[0] != null ? "; last error: " + lastError[0] : ""));
    }

    /** Whether the condition held within the time. */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        return poll(timeout, condition, new RuntimeException[1]);
    }

    private static boolean poll(Duration timeout, BooleanSupplier condition, RuntimeException[] lastError) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
                lastError[0] = null;
            } catch (RuntimeException e) {
                lastError[0] = e;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            sleep(Duration.ofMillis(POLL_MS));
        }
    }

    /** A pause that is part of the scenario (a fault's duration, a paced writer), not a way to synchronise. */
    public static void sleep(Duration duration) {
        try {
            Thread.sleep(Math.max(0, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
