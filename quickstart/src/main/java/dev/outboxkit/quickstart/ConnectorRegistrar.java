package dev.outboxkit.quickstart;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Registers connectors through the Connect REST API the way connect-configs/register.sh does: validate and
 * report every field error, upsert with PUT /connectors/{name}/config, then wait until the connector and its
 * tasks run, or report the failed task's trace.
 */
final class ConnectorRegistrar {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String restUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ConnectorRegistrar(String restUrl) {
        this.restUrl = restUrl;
    }

    void register(String name, Map<String, String> config, Duration timeout) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(config);
        // Validation checks the whole connector config, name included; the upsert takes the name from the path.
        Map<String, String> named = new java.util.LinkedHashMap<>(config);
        named.put("name", name);
        HttpResponse<String> validation = send("PUT", "/connector-plugins/" + config.get("connector.class") + "/config/validate",
                JSON.writeValueAsString(named));
        if (validation.statusCode() != 200) {
            throw new IllegalStateException(name + ": validation answered HTTP " + validation.statusCode() + ": " + validation.body());
        }
        List<String> errors = fieldErrors(JSON.readTree(validation.body()));
        if (!errors.isEmpty()) {
            throw new IllegalStateException(name + " has configuration errors:\n  " + String.join("\n  ", errors));
        }
        HttpResponse<String> put = send("PUT", "/connectors/" + name + "/config", body);
        if (put.statusCode() != 200 && put.statusCode() != 201) {
            throw new IllegalStateException(name + ": PUT answered HTTP " + put.statusCode() + ": " + put.body());
        }
        awaitRunning(name, timeout);
    }

    private void awaitRunning(String name, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> status = send("GET", "/connectors/" + name + "/status", null);
            if (status.statusCode() == 200) {
                JsonNode state = JSON.readTree(status.body());
                last = status.body();
                boolean tasksRunning = state.get("tasks").size() > 0;
                for (JsonNode task : state.get("tasks")) {
                    if ("FAILED".equals(task.get("state").asText())) {
                        throw new IllegalStateException(name + " task " + task.get("id").asInt() + " FAILED: "
                                + task.path("trace").asText());
                    }
                    tasksRunning &= "RUNNING".equals(task.get("state").asText());
                }
                if ("RUNNING".equals(state.get("connector").get("state").asText()) && tasksRunning) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " is not RUNNING after " + timeout.toSeconds() + " s: " + last);
    }

    static List<String> fieldErrors(JsonNode validation) {
        List<String> errors = new ArrayList<>();
        for (JsonNode config : validation.get("configs")) {
            for (JsonNode error : config.get("value").get("errors")) {
                errors.add(config.get("value").get("name").asText() + ": " + error.asText());
            }
        }
        return errors;
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(restUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Accept", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
