package dev.outboxkit.it.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The smallest schema registry Apicurio's converter (2.6) works against, because no registry runs here (Apicurio's
 * own is a Quarkus application, not on Maven Central as a library; Confluent's is not reachable). It answers the
 * three calls of the registry's v2 API the converter makes: register-or-return an artifact
 * ({@code POST /groups/{group}/artifacts?ifExists=RETURN_OR_UPDATE}), fetch a schema by global id, and its
 * (empty) references. Each distinct schema text gets the next global id; nothing is checked for compatibility.
 */
public final class MiniRegistry implements AutoCloseable {

    private static final Pattern BY_GLOBAL_ID = Pattern.compile(".*/ids/globalIds/(\\d+)(/references)?");

    private final HttpServer server;
    private final Map<String, Long> idsBySchema = new ConcurrentHashMap<>();
    private final Map<Long, String> schemasById = new ConcurrentHashMap<>();
    private final List<String> artifacts = new CopyOnWriteArrayList<>();

    public MiniRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/apis/registry/v2/", this::handle);
        server.start();
    }

    /** The URL to give as {@code apicurio.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/registry/v2";
    }

    /** The artifact ids registered, one entry per registration call (e.g. {@code outbox.event.Order-value}). */
    public List<String> registrations() {
        return List.copyOf(artifacts);
    }

    /** The distinct schemas registered, by global id. */
    public Map<Long, String> schemas() {
        return Map.copyOf(schemasById);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            Matcher byId = BY_GLOBAL_ID.matcher(path);
            if (exchange.getRequestMethod().equals("POST") && path.endsWith("/artifacts")) {
                String artifactId = exchange.getRequestHeaders().getFirst("X-Registry-ArtifactId");
                artifacts.add(artifactId);
                long id = idsBySchema.computeIfAbsent(body, schema -> {
                    long next = schemasById.size() + 1L;
                    schemasById.put(next, schema);
                    return next;
                });
                respond(
                        exchange,
                        200,
                        "{\"groupId\":\"default\",\"id\":\"" + artifactId + "\",\"version\":\"" + id
                                + "\",\"globalId\":" + id + ",\"contentId\":" + id
                                + ",\"type\":\"AVRO\",\"state\":\"ENABLED\"}");
            } else if (exchange.getRequestMethod().equals("GET") && byId.matches()) {
                String schema = schemasById.get(Long.parseLong(byId.group(1)));
                if (schema == null) {
                    respond(exchange, 404, "{\"error_code\":404,\"message\":\"no such global id\"}");
                } else {
                    respond(exchange, 200, byId.group(2) != null ? "[]" : schema);
                }
            } else {
                respond(exchange, 404, "{\"error_code\":404,\"message\":\"not served by this test registry\"}");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
