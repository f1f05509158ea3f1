package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;
import dev.outboxkit.it.support.Wait;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * A three-worker Connect cluster loses the worker running a sink task mid-stream, then a task is restarted
 * through the REST API and the connector paused and resumed, while the database keeps writing: MongoDB still
 * ends with every event exactly once.
 */
class WorkerLossIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;
    private static ConnectStack stack;

    @BeforeAll
    static void start() {
        mongo = new MongoTestServer();
        mariadb = new MariaDbServer(1);
        stack = new ConnectStack(3, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(stack, mariadb, mongo);
    }

    @Test
    void workerLossTaskRestartAndPauseResumeLoseAndDuplicateNothing() throws Exception {
        mariadb.createDatabase("shop_ha");
        mariadb.execute("shop_ha", OutboxWorkload.ORDERS_TABLE, OutboxWorkload.mariaDbSchema("outbox"));
        stack.put("ha-source", MariaDbPipelineIT.sourceConfig(stack, mariadb, "shop_ha", "ha", Map.of(
                "topic.creation.default.partitions", "3")));
        stack.awaitRunning("ha-source", 1, TIMEOUT);
        List<Event> committed = new ArrayList<>(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 0, 60));
        stack.put("ha-sink", MariaDbPipelineIT.sinkConfig(stack, "events_ha", "outbox\\.event\\..*", Map.of("tasks.max", "3")));
        stack.awaitRunning("ha-sink", 3, TIMEOUT);
        EventLog.awaitDocuments(mongo.client(), "events_ha", 60, TIMEOUT);

        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 60, 80));
        WorkerHandle lost = workerRunning("ha-sink", 0);
        String lostId = workerId(lost);
        stack.cluster().removeWorker(lost);
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 140, 80));
        Wait.until("the lost worker's tasks run on the two others", TIMEOUT, () -> {
            ConnectorStateInfo info = stack.status("ha-sink");
            return info.tasks().size() == 3 && info.tasks().stream().allMatch(t -> "RUNNING".equals(t.state())
                    && !t.workerId().equals(lostId));
        }, () -> stack.describe("ha-sink"));
        stack.awaitRunning("ha-source", 1, TIMEOUT);

        stack.cluster().restartTask("ha-sink", 1);
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 220, 40));
        stack.cluster().pauseConnector("ha-sink");
        Wait.until("ha-sink is PAUSED", TIMEOUT, () -> "PAUSED".equals(stack.status("ha-sink").connector().state()));
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 260, 40));
        stack.cluster().resumeConnector("ha-sink");
        stack.awaitRunning("ha-sink", 3, TIMEOUT);

        EventLog.awaitDocuments(mongo.client(), "events_ha", committed.size(), TIMEOUT);
        MariaDbPipelineIT.assertStoredExactly(EventLog.documents(mongo.client(), "events_ha"), committed);
        assertThat(EventLog.count(mongo.client(), "events_ha")).isEqualTo(300);
        stack.awaitOffsetsAtEnd("ha-sink", TIMEOUT, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
    }

    private static String workerId(WorkerHandle worker) {
        return worker.url().getHost() + ":" + worker.url().getPort();
    }

    private static WorkerHandle workerRunning(String connector, int task) {
        String id = stack.status(connector).tasks().stream().filter(t -> t.id() == task).findFirst().orElseThrow().workerId();
        return stack.cluster().workers().stream().filter(w -> workerId(w).equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + id + " among " + stack.cluster().workers()));
    }
}
