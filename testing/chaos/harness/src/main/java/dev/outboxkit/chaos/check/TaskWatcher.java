package dev.outboxkit.chaos.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outboxkit.testkit.connect.ConnectRest;
import dev.outboxkit.testkit.connect.FencingRestarts;

/**
 * Reads the connectors' status through REST once a second for the whole run and keeps every task seen FAILED: the
 * faults restart tasks (worker kills, a rolling restart, a task restart, an offset reset), so a task that failed
 * earlier may be RUNNING again by the end, revived by the schedule rather than by itself. A failure is one episode
 * per task from the first FAILED status until the task is seen in another state.
 *
 * <p>A task Kafka Connect failed in zombie fencing (its fencing request went to a leader that had just gone) is
 * restarted at once through REST, as the runbook says and as a deployment with automatic restarts would, and its
 * failure is kept marked as such ({@link FencingRestarts}).
 */
public final class TaskWatcher implements AutoCloseable {

    /**
     * A task seen FAILED: when first, the first line of its trace, and whether it was a zombie-fencing failure (then
     * restarted by the watcher).
     */
    public record Failure(String connector, int task, long firstSeenMs, String worker, String trace, boolean fencing) {}

    private final ConnectRest rest;
    private final FencingRestarts fencingRestarts;
    private final List<String> connectors;
    private final List<Failure> failures = new ArrayList<>();
    private final Set<String> failedNow = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long samples;
    private long unreadable;

    public TaskWatcher(ConnectRest rest, FencingRestarts fencingRestarts, List<String> connectors) {
        this.rest = rest;
        this.fencingRestarts = fencingRestarts;
        this.connectors = List.copyOf(connectors);
        thread = new Thread(this::watch, "task-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (running) {
            for (String connector : connectors) {
                sample(connector);
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(String connector) {
        JsonNode status;
        try {
            status = rest.call("GET", "/connectors/" + connector + "/status", null, 5);
        } catch (RuntimeException e) {
            synchronized (this) {
                unreadable++;
            }
            return;
        }
        long now = System.currentTimeMillis();
        List<JsonNode> fencingFailed = new ArrayList<>();
        synchronized (this) {
            samples++;
            if (status == null) {
                return;
            }
            for (JsonNode task : status.path("tasks")) {
                String key = connector + "/" + task.path("id").asInt();
                if ("FAILED".equals(task.path("state").asText())) {
                    String trace = task.path("trace").asText();
                    boolean fencing = FencingRestarts.isFencingFailure(trace);
                    if (fencing) {
                        fencingFailed.add(task);
                    }
                    if (failedNow.add(key)) {
                        failures.add(new Failure(
                                connector,
                                task.path("id").asInt(),
                                now,
                                task.path("worker_id").asText(),
                                trace.lines().findFirst().orElse(""),
                                fencing));
                    }
                } else {
                    failedNow.remove(key);
                }
            }
        }
        fencingFailed.forEach(task -> fencingRestarts.restartIfFencingFailed(connector, task));
    }

    public synchronized List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** Status readings that answered, over all connectors. */
    public synchronized long samples() {
        return samples;
    }

    /** Status readings no worker answered (all down, or a rebalance): the watch's blind spots. */
    public synchronized long unreadable() {
        return unreadable;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
