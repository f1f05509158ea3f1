package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventAssertions;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.it.support.WorkerProcess;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;

/**
 * A three-worker Connect group loses the worker running sink tasks mid-stream to a crash: that worker runs in a JVM
 * of its own (the two others in the test JVM) and is killed with SIGKILL, so its tasks neither stop nor commit their
 * offsets, and the group moves them only after the rebalance delay. Then a task is restarted through the REST API and
 * the connector paused and resumed, while the database keeps writing: MongoDB still ends with every event exactly
 * once, and the sink's committed offsets reach the end of its topics.
 */
class WorkerLossIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(150);

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;
    private static ConnectStack stack;
    private static WorkerProcess crashing;

    @BeforeAll
    static void start() {
        mongo = new MongoTestServer();
        mariadb = new MariaDbServer(1);
        Map<String, String> workers = new HashMap<>(WorkerProcess.groupSettings("worker-loss"));
        // The crashed worker's sink consumers leave their group only when their session expires (45 s by default).
        workers.put("consumer.session.timeout.ms", "10000");
        stack = new ConnectStack(2, Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()), workers);
        crashing = new WorkerProcess("worker-loss-process", stack);
        Wait.until(
                "the worker process answers on " + crashing.url(),
                TIMEOUT,
                crashing::restPortOpen,
                () -> crashing + (crashing.isAlive() ? " is starting" : " exited: see target/worker-loss-process.log"));
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(crashing, stack, mariadb, mongo);
    }

    @Test
    void aWorkerKilledMidStreamATaskRestartAndPauseResumeLoseAndDuplicateNothing() throws Exception {
        mariadb.createDatabase("shop_ha");
        mariadb.execute("shop_ha", OutboxWorkload.ORDERS_TABLE, OutboxWorkload.mariaDbSchema("outbox"));
        stack.put(
                "ha-source",
                PipelineConfigs.sourceConfig(
                        stack, mariadb, "shop_ha", "ha", Map.of("topic.creation.default.partitions", "3")));
        stack.awaitRunning("ha-source", 1, TIMEOUT);
        List<Event> committed = new ArrayList<>(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 0, 60));
        // Six sink tasks and the source task over three workers: each worker runs at least two, so the worker process
        // runs at least one sink task.
        stack.put(
                "ha-sink",
                PipelineConfigs.sinkConfig(stack, "events_ha", "outbox\\.event\\..*", Map.of("tasks.max", "6")));
        stack.awaitRunning("ha-sink", 6, TIMEOUT);
        Wait.until(
                "a sink task runs on the worker process " + crashing,
                TIMEOUT,
                () -> stack.status("ha-sink").tasks().stream()
                        .anyMatch(t -> t.workerId().equals(crashing.workerId())),
                () -> stack.describe("ha-sink"));
        EventLog.awaitDocuments(mongo.client(), "events_ha", 60, TIMEOUT);

        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 60, 80));
        crashing.kill();
        assertThat(crashing.isAlive()).as(crashing + " after SIGKILL").isFalse();
        assertThat(crashing.restPortOpen())
                .as(crashing + "'s REST port after SIGKILL")
                .isFalse();
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 140, 80));
        Wait.until(
                "the crashed worker's tasks run on the two others",
                TIMEOUT,
                () -> {
                    ConnectorStateInfo info = stack.status("ha-sink");
                    return info.tasks().size() == 6
                            && info.tasks().stream()
                                    .allMatch(t -> "RUNNING".equals(t.state())
                                            && !t.workerId().equals(crashing.workerId()));
                },
                () -> stack.describe("ha-sink"));
        stack.awaitRunning("ha-source", 1, TIMEOUT);

        stack.cluster().restartTask("ha-sink", 1);
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 220, 40));
        stack.cluster().pauseConnector("ha-sink");
        Wait.until(
                "ha-sink is PAUSED",
                TIMEOUT,
                () -> "PAUSED".equals(stack.status("ha-sink").connector().state()));
        committed.addAll(OutboxWorkload.write(mariadb, "shop_ha", "outbox", "ha", 260, 40));
        stack.cluster().resumeConnector("ha-sink");
        stack.awaitRunning("ha-sink", 6, TIMEOUT);

        EventLog.awaitDocuments(mongo.client(), "events_ha", committed.size(), TIMEOUT);
        EventAssertions.assertStoredExactly(EventLog.documents(mongo.client(), "events_ha"), committed);
        assertThat(EventLog.count(mongo.client(), "events_ha")).isEqualTo(300);
        stack.awaitOffsetsAtEnd(
                "ha-sink", TIMEOUT, "outbox.event.Order", "outbox.event.Customer", "outbox.event.Payment");
    }
}
