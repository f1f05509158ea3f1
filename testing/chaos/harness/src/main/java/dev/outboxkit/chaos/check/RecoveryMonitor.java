package dev.outboxkit.chaos.check;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Samples how many events MongoDB holds, twice a second, for the whole run. A fault's recovery time is the time from
 * its end until MongoDB held every event that had committed when it ended: the backlog it caused, drained.
 */
public final class RecoveryMonitor implements AutoCloseable {

    private record Sample(long atMs, long stored) {
    }

    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public RecoveryMonitor(LongSupplier stored) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    long count = stored.getAsLong();
                    synchronized (samples) {
                        samples.add(new Sample(System.currentTimeMillis(), count));
                    }
                } catch (RuntimeException e) {
                    // MongoDB is being faulted behind its proxy only; the direct connection may still hiccup.
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "recovery-monitor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Milliseconds from endedAtMs until at least the given number of events were stored; -1 if never seen. */
    public long recoveryMs(long endedAtMs, long committedAtEnd) {
        synchronized (samples) {
            for (Sample sample : samples) {
                if (sample.atMs() >= endedAtMs && sample.stored() >= committedAtEnd) {
                    return sample.atMs() - endedAtMs;
                }
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
