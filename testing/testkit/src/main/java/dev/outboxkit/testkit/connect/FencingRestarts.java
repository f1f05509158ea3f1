package dev.outboxkit.testkit.connect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Restarts the exactly-once source tasks Kafka Connect failed because the group's leader could not take their
 * zombie-fencing request, as the README's runbook says, and keeps a record of each. Before such a task starts on a
 * follower, its worker forwards a fencing request to the group's leader through the internal REST API
 * ({@code PUT /connectors/{name}/fence}, from {@code DistributedHerder.fenceZombieSourceTasks}). When that leader
 * has just gone (killed, or left the group: "IO Error trying to forward REST request") or is still starting
 * (KAFKA-17252: "still starting up"), the task fails and stays FAILED until restarted. The task had not started, so
 * nothing was written; it is the runtime's limit, not the connector's.
 *
 * <p>Any other failure is left alone for the caller to report, fencing failures of other causes too: a leader that
 * gave up reading the config topic ("Failed to read to end of config topic before performing zombie fencing") is
 * what {@code worker.sync.timeout.ms} is set against, and a run that meets it must fail.
 */
public final class FencingRestarts {

    /** Until the group has a live leader again, a restart fails the same way: once per 3 s per task is enough. */
    private static final long MIN_INTERVAL_NANOS = 3_000_000_000L;

    private final ConnectRest rest;
    private final Map<String, Long> lastRestartNanos = new HashMap<>();
    private final List<String> restarts = new ArrayList<>();

    public FencingRestarts(ConnectRest rest) {
        this.rest = rest;
    }

    /** Whether a task's trace (from the status API) says its fencing request found no leader able to take it. */
    public static boolean isFencingFailure(String trace) {
        return trace.contains("fenceZombieSourceTasks")
                && (trace.contains("IO Error trying to forward REST request") || trace.contains("still starting up"));
    }

    /**
     * For a task of {@code GET /connectors/{connector}/status} in state FAILED: when its trace is such a fencing failure,
     * restarts it through {@code POST /connectors/{connector}/tasks/{id}/restart} (unless it was restarted less than
     * 3 s ago) and answers true; any other failure is not touched, and the answer is false.
     */
    public boolean restartIfFencingFailed(String connector, JsonNode task) {
        if (!isFencingFailure(task.path("trace").asText())) {
            return false;
        }
        int id = task.path("id").asInt();
        String key = connector + "-" + id;
        synchronized (this) {
            Long last = lastRestartNanos.get(key);
            if (last != null && System.nanoTime() - last < MIN_INTERVAL_NANOS) {
                return true;
            }
            lastRestartNanos.put(key, System.nanoTime());
        }
        try {
            rest.restartTask(connector, id, 10);
        } catch (RuntimeException e) {
            // No worker took the restart (the group is still without a leader): the task is still FAILED, and the
            // next reading of its status tries again.
            return true;
        }
        synchronized (this) {
            restarts.add(key + " (failed on " + task.path("worker_id").asText() + ")");
        }
        return true;
    }

    /** The restarts made, as "connector-task (failed on worker)", in order. */
    public synchronized List<String> restarts() {
        return List.copyOf(restarts);
    }
}
