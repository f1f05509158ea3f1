package dev.outboxkit.chaos;

import java.util.function.BooleanSupplier;

/** Waits on a condition, polling; on timeout it says what was awaited. Exceptions while polling count as "not yet". */
public final class Await {

    private Await() {
    }

    public static void until(String what, int timeoutSeconds, BooleanSupplier condition) {
        if (!within(timeoutSeconds * 1000L, condition)) {
            throw new IllegalStateException("Timed out after " + timeoutSeconds + " s waiting until " + what);
        }
    }

    /** Whether the condition held within the time. */
    public static boolean within(long timeoutMs, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // Not yet: a process is still starting or a fault is in progress.
            }
            if (System.currentTimeMillis() >= deadline) {
                return false;
            }
            sleep(200);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
