package dev.outboxkit.testkit.connect;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.testkit.Wait;

/**
 * The one Connect REST client of the local pipeline, the tests and the chaos harness: the API as an operator uses it,
 * against whichever worker answers (workers come and go during a chaos run), and registration the way
 * connect-configs/register.sh does it (validate and report every field error, upsert, wait until RUNNING or report the
 * failed task's trace).
 */
public final class ConnectRest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Supplier<List<String>> workerUrls;

    public ConnectRest(Supplier<List<String>> workerUrls) {
        this.workerUrls = workerUrls;
    }

    /** One worker's REST API, e.g. {@code http://localhost:8083}. */
    public ConnectRest(String workerUrl) {
        this(() -> List.of(workerUrl));
    }

    /**
     * Registers a connector as connect-configs/register.sh does: validates the config (every field error in the
     * message), upserts it with PUT /connectors/{name}/config, then waits until the connector and its tasks run; a
     * FAILED task ends the wait at once with its trace.
     */
    public void register(String name, Map<String, String> config, Duration timeout) {
        // Validation checks the whole connector config, name included; the upsert takes the name from the path.
        Map<String, String> named = new LinkedHashMap<>(config);
        named.put("name", name);
        JsonNode validation =
                call("PUT", "/connector-plugins/" + config.get("connector.class") + "/config/validate", named, 60);
        List<String> errors = fieldErrors(validation);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(name + " has configuration errors:\n  " + String.join("\n  ", errors));
        }
        putConfig(name, config);
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = status(name);
            List<String> failed = failedTasks(status);
            if (!failed.isEmpty()) {
                throw new IllegalStateException(name + " task FAILED: " + failed.get(0) + "; trace: "
                        + status.path("tasks").findValue("trace").asText());
            }
            if (allIn(status, "RUNNING")) {
                return;
            }
            Wait.sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException(name + " is not RUNNING after " + timeout.toSeconds() + " s: " + status);
    }

    /** The validate endpoint's field errors, as "option: message". */
    public static List<String> fieldErrors(JsonNode validation) {
        List<String> errors = new ArrayList<>();
        for (JsonNode config : validation.path("configs")) {
            for (JsonNode error : config.path("value").path("errors")) {
                errors.add(config.path("value").path("name").asText() + ": " + error.asText());
            }
        }
        return errors;
    }

    /** The answer of the first worker that gives one that is not a 5xx or 409 (rebalance in progress). */
    public JsonNode call(String method, String path, Object body, int timeoutSeconds) {
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        String last = "no worker answered";
        while (System.currentTimeMillis() < deadline) {
            List<String> urls = new ArrayList<>(workerUrls.get());
            for (String url : urls) {
                try {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
                            .timeout(Duration.ofSeconds(20))
                            .header("Content-Type", "application/json")
                            .header("Accept", "application/json");
                    String payload = body == null ? "" : JSON.writeValueAsString(body);
                    request.method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(payload));
                    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    int status = response.statusCode();
                    if (status < 300) {
                        return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
                    }
                    last = method + " " + path + " answered " + status + ": " + response.body();
                    if (status == 404 && method.equals("GET")) {
                        return null;
                    }
                    // 404 on an action: the task or connector is between owners during a rebalance; 409: rebalance.
                    if (status < 500 && status != 409 && status != 404) {
                        throw new IllegalStateException(last);
                    }
                } catch (IOException e) {
                    last = method + " " + path + " on " + url + ": " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            Wait.sleep(Duration.ofMillis(500));
        }
        throw new IllegalStateException("Gave up after " + timeoutSeconds + " s: " + last);
    }

    /** Whether the worker at this URL answers its REST API now (one quick try, no retries). */
    public boolean answers(String workerUrl) {
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(workerUrl + "/connectors"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void putConfig(String connector, Map<String, String> config) {
        call("PUT", "/connectors/" + connector + "/config", config, 120);
    }

    public JsonNode status(String connector) {
        return call("GET", "/connectors/" + connector + "/status", null, 30);
    }

    /** Whether the connector and all its tasks (at least one) are RUNNING. */
    public boolean allRunning(String connector) {
        return allIn(connector, "RUNNING");
    }

    /** Whether the connector and all its tasks (at least one) are in the state (RUNNING, PAUSED, ...). */
    public boolean allIn(String connector, String state) {
        return allIn(status(connector), state);
    }

    private static boolean allIn(JsonNode status, String state) {
        if (status == null
                || !state.equals(status.path("connector").path("state").asText())) {
            return false;
        }
        JsonNode tasks = status.path("tasks");
        if (tasks.isEmpty()) {
            return false;
        }
        for (JsonNode task : tasks) {
            if (!state.equals(task.path("state").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The worker ids running the connector's tasks. */
    public List<String> taskWorkers(String connector) {
        List<String> ids = new ArrayList<>();
        JsonNode status = status(connector);
        if (status != null) {
            status.path("tasks").forEach(task -> ids.add(task.path("worker_id").asText()));
        }
        return ids;
    }

    /** Restarts one task: {@code POST /connectors/{connector}/tasks/{task}/restart}, retried as {@link #call} does. */
    public void restartTask(String connector, int task, int timeoutSeconds) {
        call("POST", "/connectors/" + connector + "/tasks/" + task + "/restart", null, timeoutSeconds);
    }

    /** Tasks in state FAILED, as "id: first line of the trace". */
    private static List<String> failedTasks(JsonNode status) {
        List<String> failed = new ArrayList<>();
        if (status != null) {
            status.path("tasks").forEach(task -> {
                if ("FAILED".equals(task.path("state").asText())) {
                    failed.add(task.path("id").asInt() + ": "
                            + task.path("trace").asText().lines().findFirst().orElse(""));
                }
            });
        }
        return failed;
    }
}
