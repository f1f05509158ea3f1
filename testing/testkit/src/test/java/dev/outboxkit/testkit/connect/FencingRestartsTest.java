package dev.outboxkit.testkit.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * Which failed tasks are restarted, with the traces Kafka Connect 4.3.1 put in a task's status in the chaos rounds. A
 * JDK HTTP server stands in for the REST API and records the restarts asked of it (the restart through a real worker
 * is what the chaos rounds and the crash tests do).
 */
class FencingRestartsTest {

    private static final String LEADER_KILLED =
            "org.apache.kafka.connect.runtime.rest.errors.ConnectRestException: IO Error trying to forward REST request:"
                    + " java.io.EOFException: HttpConnectionOverHTTP@76214359\n"
                    + "\tat org.apache.kafka.connect.runtime.rest.RestClient.httpRequest(RestClient.java:208)\n"
                    + "\tat org.apache.kafka.connect.runtime.distributed.DistributedHerder"
                    + ".lambda$fenceZombieSourceTasks$1(DistributedHerder.java:1310)\n";
    private static final String LEADER_STARTING =
            "org.apache.kafka.connect.runtime.rest.errors.ConnectRestException: This worker is still starting up and"
                    + " has not been able to read a session key from the config topic yet\n"
                    + "\tat org.apache.kafka.connect.runtime.rest.RestClient.httpRequest(RestClient.java:197)\n"
                    + "\tat org.apache.kafka.connect.runtime.distributed.DistributedHerder"
                    + ".lambda$fenceZombieSourceTasks$1(DistributedHerder.java:1310)\n";
    private static final String CONFIG_TOPIC_UNREAD =
            "org.apache.kafka.connect.runtime.rest.errors.ConnectRestException: Failed to read to end of config topic"
                    + " before performing zombie fencing\n"
                    + "\tat org.apache.kafka.connect.runtime.rest.RestClient.httpRequest(RestClient.java:197)\n"
                    + "\tat org.apache.kafka.connect.runtime.distributed.DistributedHerder"
                    + ".lambda$fenceZombieSourceTasks$1(DistributedHerder.java:1310)\n";
    private static final String CONNECTOR_FAILED =
            "org.apache.kafka.connect.errors.ConnectException: IO Error trying to forward REST request: in poll\n"
                    + "\tat dev.outboxkit.polling.PollingSourceTask.poll(PollingSourceTask.java:1)\n";

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private final List<String> restarts = new CopyOnWriteArrayList<>();
    private FencingRestarts fencing;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/connectors/", exchange -> {
            restarts.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        fencing = new FencingRestarts(
                new ConnectRest("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aTaskWhoseFencingRequestFoundNoLeaderIsRestartedOnceAndRecorded() {
        assertThat(fencing.restartIfFencingFailed("chaos-source", failed(0, "worker-2", LEADER_KILLED)))
                .isTrue();
        // Read FAILED again within 3 s (the restart has not taken yet): not restarted twice.
        assertThat(fencing.restartIfFencingFailed("chaos-source", failed(0, "worker-2", LEADER_KILLED)))
                .isTrue();
        assertThat(fencing.restartIfFencingFailed("other-source", failed(0, "worker-1", LEADER_STARTING)))
                .isTrue();

        assertThat(restarts)
                .containsExactly(
                        "POST /connectors/chaos-source/tasks/0/restart",
                        "POST /connectors/other-source/tasks/0/restart");
        assertThat(fencing.restarts())
                .containsExactly("chaos-source-0 (failed on worker-2)", "other-source-0 (failed on worker-1)");
    }

    @Test
    void otherFailuresAreLeftForTheCaller() {
        assertThat(fencing.restartIfFencingFailed("chaos-source", failed(0, "worker-1", CONFIG_TOPIC_UNREAD)))
                .isFalse();
        assertThat(fencing.restartIfFencingFailed("chaos-source", failed(1, "worker-1", CONNECTOR_FAILED)))
                .isFalse();

        assertThat(restarts).isEmpty();
        assertThat(fencing.restarts()).isEmpty();
    }

    private static JsonNode failed(int id, String worker, String trace) {
        ObjectNode task = JSON.createObjectNode();
        task.put("id", id);
        task.put("state", "FAILED");
        task.put("worker_id", worker);
        task.put("trace", trace);
        return task;
    }
}
