package dev.outboxkit.it.support;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.Ports;

/**
 * A real Prometheus server (Debian's package, installed by {@link #ensureInstalled()} when missing) in its own process
 * on a free port of loopback, with the given configuration and a fresh data directory, queried over its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();

    public PrometheusServer(Path config) throws IOException, InterruptedException {
        ensureInstalled();
        int port = Ports.free();
        Path data = Files.createTempDirectory("prometheus-data");
        url = "http://127.0.0.1:" + port;
        process = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + data,
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(config.resolveSibling("prometheus.log").toFile())
                .start();
        Wait.until("Prometheus answers on " + url, Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + "; see "
                        + config.resolveSibling("prometheus.log"));
            }
            return get("/-/ready").statusCode() == 200;
        });
    }

    private static final List<String> COMMANDS = List.of("prometheus", "promtool");
    private static boolean installed;

    /**
     * Makes sure Debian's prometheus package (prometheus and promtool) is there: on a fresh machine the tests install
     * it themselves when they run as root with apt-get (as CI and the development machines do); anywhere else they
     * fail with one message that says what is needed. Never skips.
     */
    public static synchronized void ensureInstalled() throws IOException, InterruptedException {
        if (installed || missing().isEmpty()) {
            installed = true;
            return;
        }
        String need = "ObservabilityIT needs Debian's prometheus package (" + String.join(" and ", missing())
                + " not on the PATH): install it with 'apt-get install -y prometheus'";
        if (!isRoot() || onPath("apt-get") == null) {
            throw new AssertionError(
                    need + " (the tests install it themselves only when they run as root with apt-get)");
        }
        Path log = Files.createDirectories(Path.of("target").toAbsolutePath()).resolve("prometheus-install.log");
        for (List<String> step : List.of(
                List.of("apt-get", "update", "-qq"), List.of("apt-get", "install", "-y", "-qq", "prometheus"))) {
            ProcessBuilder builder = new ProcessBuilder(step)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(
                        need + ": '" + String.join(" ", step) + "' did not finish within 15 minutes; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(need + ": '" + String.join(" ", step) + "' failed with exit status "
                        + process.exitValue() + "; see " + log);
            }
        }
        if (!missing().isEmpty()) {
            throw new AssertionError(
                    need + ": apt-get installed the package but " + missing() + " is still missing; see " + log);
        }
        installed = true;
    }

    private static List<String> missing() {
        return COMMANDS.stream().filter(command -> onPath(command) == null).toList();
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return id.waitFor() == 0 && uid.equals("0");
    }

    /** Runs promtool with the arguments; returns its exit status and output. */
    public static ProcessResult promtool(String... args) throws IOException, InterruptedException {
        ensureInstalled();
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process promtool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!promtool.waitFor(60, TimeUnit.SECONDS)) {
            promtool.destroyForcibly();
            throw new AssertionError("promtool did not finish within 60 s");
        }
        return new ProcessResult(promtool.exitValue(), text);
    }

    public record ProcessResult(int exitCode, String output) {}

    /** An instant query's result vector ({@code data.result}); fails on a query error. */
    public JsonNode query(String promql) {
        JsonNode answer = json("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            throw new AssertionError("Prometheus refused '" + promql + "': " + answer);
        }
        return answer.path("data").path("result");
    }

    /** The single value of a query whose result is one series, or null when it has none. */
    public Double value(String promql) {
        JsonNode result = query(promql);
        if (result.size() == 0) {
            return null;
        }
        if (result.size() > 1) {
            throw new AssertionError("'" + promql + "' has " + result.size() + " series, expected one: " + result);
        }
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** Alerts pending or firing now: {@code data.alerts}. */
    public JsonNode alerts() {
        return json("/api/v1/alerts").path("data").path("alerts");
    }

    /** The state of the named alert for the given connector label: firing, pending, or inactive when absent. */
    public String alertState(String alert, String connector) {
        for (JsonNode candidate : alerts()) {
            if (alert.equals(candidate.path("labels").path("alertname").asText())
                    && connector.equals(
                            candidate.path("labels").path("connector").asText())) {
                return candidate.path("state").asText();
            }
        }
        return "inactive";
    }

    /** Scrape targets and their health. */
    public JsonNode targets() {
        return json("/api/v1/targets").path("data").path("activeTargets");
    }

    private JsonNode json(String path) {
        try {
            return JSON.readTree(get(path).body());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read Prometheus' answer to " + path, e);
        }
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create(url + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Prometheus at " + url + " did not answer " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
