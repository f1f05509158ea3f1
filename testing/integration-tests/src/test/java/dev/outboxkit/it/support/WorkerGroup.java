package dev.outboxkit.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.connect.ConnectRest;
import dev.outboxkit.testkit.connect.FencingRestarts;

/**
 * A Kafka Connect group made only of {@link WorkerProcess}es on a stack's broker, with the stack's worker settings
 * (plugin.path with the shipped archives, exactly-once source support): any of its workers, including the one
 * running a given task, can be crashed with SIGKILL or stopped gracefully, and new ones join. The REST API is
 * reached through whichever worker is alive.
 */
public final class WorkerGroup implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String group;
    private final String bootstrapServers;
    private final Map<String, String> workerProps;
    private final List<WorkerProcess> live = new ArrayList<>();
    private final List<WorkerProcess> gone = new ArrayList<>();
    private final ConnectRest rest;
    private final FencingRestarts fencingRestarts;
    private int started;

    /**
     * @param overrides worker settings over the stack's (a null value removes one)
     */
    public WorkerGroup(String group, ConnectStack stack, Map<String, String> overrides) {
        this.group = group;
        this.bootstrapServers = stack.bootstrapServers();
        Map<String, String> props = new HashMap<>(stack.workerProps());
        props.putAll(WorkerProcess.groupSettings(group));
        // A crashed worker leaves the group when its session expires: the broker's minimum, 6 s, not the default 10 s.
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "1000");
        overrides.forEach((key, value) -> {
            if (value == null) {
                props.remove(key);
            } else {
                props.put(key, value);
            }
        });
        this.workerProps = Map.copyOf(props);
        this.rest =
                new ConnectRest(() -> live().stream().map(WorkerProcess::url).toList());
        this.fencingRestarts = new FencingRestarts(rest);
    }

    /** Starts workers (in parallel) and waits until each answers on its REST port. */
    public List<WorkerProcess> start(int count) {
        List<WorkerProcess> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            WorkerProcess worker = new WorkerProcess(group + "-worker-" + (++started), bootstrapServers, workerProps);
            synchronized (this) {
                live.add(worker);
            }
            added.add(worker);
        }
        for (WorkerProcess worker : added) {
            Wait.until(
                    "worker " + worker + " answers its REST API",
                    START_TIMEOUT,
                    () -> rest.answers(worker.url()),
                    () -> worker.isAlive() ? "still starting" : "it exited: see target/" + group + "-worker-*.log");
        }
        return added;
    }

    public synchronized List<WorkerProcess> live() {
        return List.copyOf(live);
    }

    public ConnectRest rest() {
        return rest;
    }

    /** SIGKILL: the worker's tasks neither stop nor commit; the group notices when its session expires. */
    public void kill(WorkerProcess worker) throws InterruptedException {
        synchronized (this) {
            live.remove(worker);
            gone.add(worker);
        }
        worker.kill();
    }

    /** SIGTERM: the worker stops its tasks and leaves the group. */
    public void stop(WorkerProcess worker) throws InterruptedException {
        synchronized (this) {
            live.remove(worker);
            gone.add(worker);
        }
        worker.stop();
    }

    /** The live worker that the status reports running the task, if any. */
    public Optional<WorkerProcess> runningTask(String connector, int task) {
        JsonNode status = rest.status(connector);
        if (status == null) {
            return Optional.empty();
        }
        for (JsonNode info : status.path("tasks")) {
            if (info.path("id").asInt() == task
                    && "RUNNING".equals(info.path("state").asText())) {
                String workerId = info.path("worker_id").asText();
                return live().stream()
                        .filter(worker -> worker.workerId().equals(workerId))
                        .findFirst();
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until the connector and its tasks all run on live workers (none on a worker that is gone). An
     * exactly-once source task that starts on a follower asks the leader to fence its zombies; when that leader was
     * just killed, Kafka Connect fails the task ("IO Error trying to forward REST request", from
     * {@code DistributedHerder.fenceZombieSourceTasks}) and it stays FAILED until restarted. Such a task is restarted
     * as the runbook says ({@code POST /connectors/{name}/tasks/{id}/restart}) and the restart is recorded in
     * {@link #fencingRestarts()}; any other task failure ends the wait at once.
     */
    public void awaitRunningOnLiveWorkers(String connector, int tasks, Duration timeout) {
        Wait.until(
                "connector " + connector + " and its " + tasks + " task(s) RUNNING on live workers",
                timeout,
                () -> {
                    JsonNode status = rest.status(connector);
                    if (status == null
                            || !"RUNNING"
                                    .equals(status.path("connector")
                                            .path("state")
                                            .asText())
                            || status.path("tasks").size() != tasks) {
                        return false;
                    }
                    List<String> liveIds =
                            live().stream().map(WorkerProcess::workerId).toList();
                    boolean allRunning = true;
                    for (JsonNode task : status.path("tasks")) {
                        String state = task.path("state").asText();
                        if ("FAILED".equals(state)) {
                            restartIfFencingFailed(connector, task);
                            allRunning = false;
                        } else if (!"RUNNING".equals(state)
                                || !liveIds.contains(task.path("worker_id").asText())) {
                            allRunning = false;
                        }
                    }
                    return allRunning
                            && liveIds.contains(
                                    status.path("connector").path("worker_id").asText());
                },
                () -> rest.status(connector) + " (live workers " + live() + ")");
    }

    private void restartIfFencingFailed(String connector, JsonNode task) {
        if (!fencingRestarts.restartIfFencingFailed(connector, task)) {
            throw new AssertionError("task " + connector + "-" + task.path("id").asInt() + " FAILED: "
                    + task.path("trace").asText());
        }
    }

    /** The tasks restarted because their zombie-fencing request went to a leader that was gone. */
    public List<String> fencingRestarts() {
        return fencingRestarts.restarts();
    }

    @Override
    public void close() throws Exception {
        List<WorkerProcess> all = new ArrayList<>(live());
        synchronized (this) {
            all.addAll(gone);
        }
        Resources.closeAll(all.toArray(AutoCloseable[]::new));
    }
}
