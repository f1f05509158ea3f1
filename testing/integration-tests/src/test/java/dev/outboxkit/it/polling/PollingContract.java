package dev.outboxkit.it.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.ObjectName;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.WorkerGroup;
import dev.outboxkit.it.support.WorkerProcess;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.OutboxDdl;
import dev.outboxkit.testkit.db.SqlDatabase;
import dev.outboxkit.testkit.net.TcpProxy;

/**
 * The polling source through a real Connect worker (exactly-once source support enabled) that loads the shipped
 * plugin archives, with the shipped connector config and the shipped DDL, on a real database. One subclass per
 * database. Records are read with a {@code read_committed} consumer.
 */
abstract class PollingContract {

    static final String DATABASE = "shop";
    /** The "a minute": far longer than any poll interval or setting of the connector. */
    static final Duration HOLD = Duration.ofSeconds(Long.getLong("outboxkit.polling.hold.seconds", 60));

    static final Duration TIMEOUT = Duration.ofSeconds(120);

    static ConnectStack stack;
    private static int tables;

    abstract SqlDatabase db();

    abstract String shippedConfig();

    /** The table name as the connector config names it (schema-qualified). */
    abstract String qualified(String table);

    abstract void restartDatabase();

    boolean postgres() {
        return db().isPostgres();
    }

    static ConnectStack startStack() {
        return new ConnectStack(
                1,
                Map.of("mariadb.password", "", "postgres.password", ""),
                Map.of("exactly.once.source.support", "enabled"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    String newTable() throws SQLException {
        String table = "outbox_" + (postgres() ? "pg" : "mdb") + (++tables);
        try (Connection connection = db().connect(DATABASE)) {
            OutboxDdl.create(connection, postgres(), table);
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS orders (id VARCHAR(64) PRIMARY KEY,"
                        + " aggregate VARCHAR(255) NOT NULL, amount DECIMAL(12,2) NOT NULL)");
            }
        }
        return table;
    }

    Map<String, String> connectorConfig(String tableList, Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>();
        config.put("connection.url", db().jdbcUrl(DATABASE));
        config.put("connection.user", db().user());
        config.put("tables", tableList);
        config.put("poll.interval.ms", "20");
        config.put("cleanup.interval.ms", "200");
        config.putAll(overrides);
        return stack.shippedConfig(shippedConfig(), config);
    }

    void startConnector(String name, String tableList, int tasks, Map<String, String> overrides) {
        Map<String, String> config = connectorConfig(tableList, overrides);
        config.put("tasks.max", Integer.toString(tasks));
        stack.put(name, config);
        stack.awaitRunning(name, tasks, TIMEOUT);
    }

    /** One business transaction's outbox event. */
    record Event(String id, String aggregateType, String aggregateId, String type, String payload) {
        String topic() {
            return "outbox.event." + aggregateType;
        }
    }

    static Event event(String aggregateType, String aggregateId, String id) {
        return new Event(
                id,
                aggregateType,
                aggregateId,
                aggregateType + "Changed",
                "{\"id\": \"" + id + "\", \"aggregate\": \"" + aggregateId + "\"}");
    }

    /** The business row and the outbox row of the event, on a connection with auto-commit off; no commit. */
    void write(Connection connection, String table, Event event) throws SQLException {
        try (PreparedStatement business =
                        connection.prepareStatement("INSERT INTO orders (id, aggregate, amount) VALUES (?, ?, 1.50)");
                PreparedStatement outbox = connection.prepareStatement("INSERT INTO " + table
                        + " (id, aggregatetype, aggregateid, type, payload) VALUES (?, ?, ?, ?, "
                        + (postgres() ? "?::jsonb" : "?") + ")")) {
            business.setString(1, event.id());
            business.setString(2, event.aggregateId());
            business.executeUpdate();
            outbox.setString(1, event.id());
            outbox.setString(2, event.aggregateType());
            outbox.setString(3, event.aggregateId());
            outbox.setString(4, event.type());
            outbox.setString(5, event.payload());
            outbox.executeUpdate();
        }
    }

    Connection transaction() throws SQLException {
        Connection connection = db().connect(DATABASE);
        connection.setAutoCommit(false);
        return connection;
    }

    void commitEach(String table, List<Event> events) throws SQLException {
        try (Connection connection = transaction()) {
            for (Event event : events) {
                write(connection, table, event);
                connection.commit();
            }
        }
    }

    /** A record as a read_committed consumer sees it. */
    record Received(String topic, int partition, long offset, String key, Map<String, String> headers, String value) {
        String id() {
            return headers.get("id");
        }
    }

    static List<Received> received(Set<String> topics) {
        List<String> existing = topics.stream()
                .filter(topic -> stack.kafka().describeTopics(topic).get(topic).isPresent())
                .toList();
        if (existing.isEmpty()) {
            return List.of();
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = stack.kafka()
                    .consumeAll(
                            30_000,
                            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                            null,
                            existing.toArray(String[]::new));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read " + existing, e);
        }
        List<Received> all = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value()));
            }
            all.add(new Received(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    record.key() == null ? null : new String(record.key()),
                    headers,
                    record.value() == null ? null : new String(record.value())));
        }
        all.sort((a, b) -> a.topic().equals(b.topic())
                ? Long.compare(a.offset(), b.offset())
                : a.topic().compareTo(b.topic()));
        return all;
    }

    static Set<String> topicsOf(List<Event> events) {
        return events.stream().map(Event::topic).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    static Set<String> eventIds(List<Event> events) {
        return events.stream().map(Event::id).collect(Collectors.toSet());
    }

    static Set<String> ids(List<Received> records) {
        return records.stream().map(Received::id).collect(Collectors.toSet());
    }

    static void awaitIds(Set<String> topics, Set<String> expected, String what) {
        Wait.until(
                what + ": " + expected.size() + " events on " + topics,
                TIMEOUT,
                () -> ids(received(topics)).containsAll(expected),
                () -> "missing " + missing(expected, ids(received(topics))));
    }

    static Set<String> missing(Set<String> expected, Set<String> seen) {
        Set<String> missing = new LinkedHashSet<>(expected);
        missing.removeAll(seen);
        return missing.size() > 20
                ? Set.of(missing.size() + " ids, e.g. " + missing.iterator().next())
                : missing;
    }

    /** Every expected event exactly once, nothing else, each as the Debezium path emits it. */
    static void assertExactlyOnce(List<Received> records, List<Event> expected) {
        Map<String, Long> copies = records.stream().collect(Collectors.groupingBy(Received::id, Collectors.counting()));
        Map<String, Long> duplicated = copies.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(duplicated)
                .as("events seen more than once by a read_committed consumer")
                .isEmpty();
        assertThat(copies.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        expected.stream().map(Event::id).toList());
        Map<String, Received> byId = records.stream().collect(Collectors.toMap(Received::id, Function.identity()));
        for (Event event : expected) {
            Received record = byId.get(event.id());
            assertThat(record.topic()).isEqualTo(event.topic());
            assertThat(record.key()).isEqualTo(event.aggregateId());
            assertThat(record.headers())
                    .containsEntry("id", event.id())
                    .containsEntry("eventType", event.type())
                    .containsEntry("aggregateType", event.aggregateType());
            assertThat(record.value()).isEqualTo(event.payload());
        }
    }

    /** Per aggregate, the ids in Kafka order (offset order within the aggregate's partition). */
    static Map<String, List<String>> orderPerAggregate(List<Received> records) {
        Map<String, List<String>> order = new HashMap<>();
        for (Received record : records) {
            order.computeIfAbsent(record.topic() + "/" + record.key(), k -> new ArrayList<>())
                    .add(record.id());
        }
        return order;
    }

    /** A metric of the connector's task 0, from the worker's MBean server (the worker runs in this JVM). */
    static Object metric(String connector, String attribute) {
        try {
            return ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(
                            new ObjectName("dev.outboxkit:type=outbox-polling-source,connector="
                                    + ObjectName.quote(connector) + ",task=0"),
                            attribute);
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("No metric " + attribute + " of connector " + connector, e);
        }
    }

    /** The connector's committed source offset for the table (REST GET /connectors/{name}/offsets); null if none. */
    Map<String, ?> committedOffset(String connector, String qualifiedTable) {
        for (ConnectorOffset offset :
                stack.cluster().connectorOffsets(connector).offsets()) {
            if (qualifiedTable.equals(offset.partition().get("table"))) {
                return offset.offset();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Property 1 and 2. Writers commit out of the order in which they took their place; one transaction (and on
     * PostgreSQL a second, older one) stays open for a minute; transactions roll back. Every committed event is
     * emitted exactly once, no rolled-back one, in commit order per aggregate.
     */
    @Test
    void reorderedCommitsLoseNothingAndKeepCommitOrderPerAggregate() throws Exception {
        String table = newTable();
        String connector = "polling-reorder-" + table;
        String type = "Reorder" + table.replace("_", "");
        startConnector(connector, qualified(table), 1, Map.of());
        List<Event> expected = new ArrayList<>();
        List<Event> before = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            before.add(event(type, "agg-before-" + (i % 3), table + "-before-" + i));
        }
        commitEach(table, before);
        expected.addAll(before);
        Set<String> topics = topicsOf(before);
        awaitIds(topics, eventIds(before), "the events committed before the held transaction");

        ExecutorService writers = Executors.newFixedThreadPool(5);
        try (Connection older = postgres() ? transaction() : null;
                Connection held = transaction()) {
            Event olderEvent = event(type, "agg-older", table + "-older");
            if (older != null) {
                // PostgreSQL: a transaction with a lower transaction id than the held one, committed after the writers.
                write(older, table, olderEvent);
            }
            Event heldEvent = event(type, "agg-held", table + "-held");
            write(held, table, heldEvent);
            long heldSince = System.nanoTime();

            List<Event> concurrent = Collections.synchronizedList(new ArrayList<>());
            List<String> rolledBack = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                done.add(CompletableFuture.runAsync(
                        () -> {
                            try (Connection connection = transaction()) {
                                for (int i = 0; i < 25; i++) {
                                    Event event = event(type, "agg-writer-" + writer, table + "-w" + writer + "-" + i);
                                    write(connection, table, event);
                                    if (i % 5 == 2) {
                                        connection.rollback();
                                        rolledBack.add(event.id());
                                    } else {
                                        connection.commit();
                                        concurrent.add(event);
                                    }
                                }
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        writers));
            }
            CompletableFuture<Void> allWriters = CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
            if (postgres()) {
                allWriters.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                older.commit();
                // The older transaction committed after every writer, yet it is emitted while the held one is open.
                awaitIds(topics, Set.of(olderEvent.id()), "the older transaction's event, committed last");
                Wait.until(
                        "the age metric sees committed rows waiting behind the held transaction",
                        TIMEOUT,
                        () -> ((Number) metric(connector, "OldestPendingAgeMs")).longValue() > 0);
                expected.add(olderEvent);
            }
            long remaining = HOLD.toNanos() - (System.nanoTime() - heldSince);
            if (remaining > 0) {
                // The hold itself is the test's subject (a transaction open for a minute), not a synchronisation.
                Thread.sleep(remaining / 1_000_000);
            }
            // Checked after the final count, so that a connector that skips rows fails on the missing ones.
            Set<String> seenDuringHold = ids(received(topics));
            boolean writersDoneDuringHold = allWriters.isDone();
            Set<String> expectedDuringHold = new LinkedHashSet<>(eventIds(before));
            if (postgres()) {
                expectedDuringHold.add(olderEvent.id());
            }
            held.commit();
            expected.add(heldEvent);
            allWriters.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            expected.addAll(concurrent);

            awaitIds(topics, expected.stream().map(Event::id).collect(Collectors.toSet()), "every committed event");
            List<Received> records = received(topics);
            assertExactlyOnce(records, expected);
            assertThat(ids(records)).doesNotContainAnyElementsOf(rolledBack);
            assertThat(seenDuringHold)
                    .as("nothing passed the open transaction's row")
                    .isEqualTo(expectedDuringHold);
            assertThat(writersDoneDuringHold)
                    .as("the writers of this table finished while the held transaction was open")
                    .isTrue();
            Map<String, List<String>> order = orderPerAggregate(records);
            for (int w = 0; w < 4; w++) {
                int writer = w;
                List<String> committedOrder = concurrent.stream()
                        .filter(e -> e.aggregateId().equals("agg-writer-" + writer))
                        .map(Event::id)
                        .toList();
                assertThat(order.get("outbox.event." + type + "/agg-writer-" + w))
                        .as("aggregate agg-writer-%d in commit order", w)
                        .containsExactlyElementsOf(committedOrder);
            }
            for (int a = 0; a < 3; a++) {
                int aggregate = a;
                assertThat(order.get("outbox.event." + type + "/agg-before-" + a))
                        .containsExactlyElementsOf(before.stream()
                                .filter(e -> e.aggregateId().equals("agg-before-" + aggregate))
                                .map(Event::id)
                                .toList());
            }
            assertThat(((Number) metric(connector, "RowsEmitted")).longValue()).isEqualTo(expected.size());
        } finally {
            writers.shutdownNow();
        }
        stack.cluster().deleteConnector(connector);
    }

    /**
     * Property 3. Writers keep committing while the connector's tasks are restarted again and again through the REST
     * API; the worker runs with exactly-once source support: a read_committed consumer sees every event once.
     */
    @Test
    void exactlyOnceAcrossTaskRestarts() throws Exception {
        String table = newTable();
        String connector = "polling-eos-" + table;
        String type = "Eos" + table.replace("_", "");
        startConnector(connector, qualified(table), 1, Map.of("exactly.once.support", "required"));
        List<Event> expected = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection connection = transaction()) {
                for (int i = 0; i < 600; i++) {
                    Event event = event(type, "agg-" + (i % 7), table + "-" + i);
                    write(connection, table, event);
                    connection.commit();
                    expected.add(event);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Set<String> topics = Set.of("outbox.event." + type);
        for (int restart = 1; restart <= 4; restart++) {
            int emittedBefore = ids(received(topics)).size();
            int target = Math.min(emittedBefore + 60, 600);
            Wait.until(
                    "more events emitted before restart " + restart,
                    TIMEOUT,
                    () -> ids(received(topics)).size() >= target || writer.isDone());
            stack.cluster().restartConnectorAndTasks(connector, false, true, false);
            stack.awaitRunning(connector, 1, TIMEOUT);
        }
        writer.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        awaitIds(topics, expected.stream().map(Event::id).collect(Collectors.toSet()), "every committed event");
        List<Received> records = received(topics);
        assertExactlyOnce(records, new ArrayList<>(expected));
        assertCursorsIncreasePerTable(records);
        Map<String, List<String>> order = orderPerAggregate(records);
        for (int a = 0; a < 7; a++) {
            int aggregate = a;
            assertThat(order.get("outbox.event." + type + "/agg-" + a))
                    .containsExactlyElementsOf(expected.stream()
                            .filter(e -> e.aggregateId().equals("agg-" + aggregate))
                            .map(Event::id)
                            .toList());
        }
        stack.cluster().deleteConnector(connector);
    }

    /**
     * Property 4. Every deleted row's cursor is recorded by a trigger. While the task has polled far past the
     * committed offset, the highest deleted cursor is not beyond the offset Connect has committed (read after it);
     * in the end the table is empty: the default setup does not grow.
     */
    @Test
    void cleanupNeverDeletesARowTheCommittedOffsetHasNotPassed() throws Exception {
        String table = newTable();
        String audit = table + "_deleted";
        try (Connection connection = db().connect(DATABASE);
                Statement statement = connection.createStatement()) {
            if (postgres()) {
                statement.execute("CREATE TABLE " + audit + " (txid BIGINT NOT NULL, seq BIGINT NOT NULL)");
                statement.execute("CREATE FUNCTION " + audit + "_f() RETURNS trigger AS $$ BEGIN INSERT INTO " + audit
                        + " VALUES (OLD.txid::text::bigint, OLD.seq); RETURN OLD; END $$ LANGUAGE plpgsql");
                statement.execute("CREATE TRIGGER " + audit + "_t AFTER DELETE ON " + table
                        + " FOR EACH ROW EXECUTE FUNCTION " + audit + "_f()");
            } else {
                statement.execute("CREATE TABLE " + audit + " (txid BIGINT NOT NULL, seq BIGINT NOT NULL)");
                statement.execute("CREATE TRIGGER " + audit + "_t AFTER DELETE ON " + table
                        + " FOR EACH ROW INSERT INTO " + audit + " VALUES (0, OLD.seq)");
            }
        }
        String connector = "polling-cleanup-" + table;
        String type = "Cleanup" + table.replace("_", "");
        // Kafka transactions committed every 15 s: between two commits the cursor polled runs ahead of the offset
        // committed, and a cleanup that trusted what was polled would delete rows past the committed offset.
        startConnector(
                connector,
                qualified(table),
                1,
                Map.of(
                        "cleanup.batch.rows",
                        "7",
                        "cleanup.interval.ms",
                        "50",
                        "transaction.boundary",
                        "interval",
                        "transaction.boundary.interval.ms",
                        "15000"));
        List<Event> expected = new ArrayList<>();
        List<Event> first = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            first.add(event(type, "agg-" + (i % 5), table + "-a" + i));
        }
        commitEach(table, first);
        expected.addAll(first);
        Wait.until(
                "a first committed offset for " + table,
                TIMEOUT,
                () -> committedOffset(connector, qualified(table)) != null);
        Map<String, ?> firstCommitted = committedOffset(connector, qualified(table));
        List<Event> second = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            second.add(event(type, "agg-" + (i % 5), table + "-b" + i));
        }
        commitEach(table, second);
        expected.addAll(second);
        Wait.until(
                "all 250 rows polled", TIMEOUT, () -> ((Number) metric(connector, "RowsEmitted")).longValue() == 250);
        Wait.until("cleanup has run behind the first committed offset", TIMEOUT, () -> highestDeleted(audit) != null);
        long[] deleted = highestDeleted(audit);
        Map<String, ?> committed = committedOffset(connector, qualified(table));
        boolean beforeNextCommit = committed.equals(firstCommitted);
        assertNotBeyond(deleted, committed);
        Set<String> topics = Set.of("outbox.event." + type);
        awaitIds(topics, eventIds(expected), "every event");
        Wait.until(
                "cleanup emptied table " + table,
                TIMEOUT,
                () -> rowCount(table) == 0,
                () -> rowCount(table) + " rows left");
        assertNotBeyond(highestDeleted(audit), committedOffset(connector, qualified(table)));
        assertThat(beforeNextCommit)
                .as("the check ran while the polled cursor was ahead of the committed offset")
                .isTrue();
        assertThat(rowCount(audit)).isEqualTo(250);
        Wait.until(
                "the metric RowsDeleted reaches 250",
                TIMEOUT,
                () -> ((Number) metric(connector, "RowsDeleted")).longValue() == 250,
                () -> "RowsDeleted " + metric(connector, "RowsDeleted"));
        stack.cluster().deleteConnector(connector);
    }

    static void assertNotBeyond(long[] deleted, Map<String, ?> committed) {
        assertThat(committed).as("rows deleted without a committed offset").isNotNull();
        long committedTxid = committed.get("txid") == null ? 0L : ((Number) committed.get("txid")).longValue();
        long committedPosition = ((Number) committed.get("position")).longValue();
        assertThat(deleted[0] < committedTxid || (deleted[0] == committedTxid && deleted[1] <= committedPosition))
                .as(
                        "deleted cursor (%d, %d) must not be beyond the committed offset (%d, %d)",
                        deleted[0], deleted[1], committedTxid, committedPosition)
                .isTrue();
    }

    long[] highestDeleted(String audit) {
        try (Connection connection = db().connect(DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT txid, seq FROM " + audit + " ORDER BY txid DESC, seq DESC LIMIT 1")) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long rowCount(String table) {
        try (Connection connection = db().connect(DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Property 5. Five tables over three tasks: each table in exactly one task's config, every table's events arrive. */
    @Test
    void tablesAreSplitAcrossTasksEachReadByExactlyOne() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            names.add(newTable());
        }
        String connector = "polling-shards-" + names.get(0);
        String type = "Shards" + names.get(0).replace("_", "");
        startConnector(connector, names.stream().map(this::qualified).collect(Collectors.joining(",")), 3, Map.of());
        List<Map<String, String>> taskConfigs = new ArrayList<>();
        stack.cluster().taskConfigs(connector).forEach(info -> taskConfigs.add(info.config()));
        List<String> assigned = new ArrayList<>();
        taskConfigs.forEach(config ->
                assigned.addAll(List.of(config.get("outboxkit.task.tables").split(","))));
        assertThat(taskConfigs).hasSize(3);
        assertThat(assigned)
                .containsExactlyInAnyOrderElementsOf(
                        names.stream().map(this::qualified).toList());
        List<Event> expected = new ArrayList<>();
        for (String table : names) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                events.add(event(type, "agg-" + (i % 4), table + "-" + i));
            }
            commitEach(table, events);
            expected.addAll(events);
        }
        Set<String> topics = Set.of("outbox.event." + type);
        awaitIds(topics, expected.stream().map(Event::id).collect(Collectors.toSet()), "every shard's events");
        assertExactlyOnce(received(topics), expected);
        stack.cluster().deleteConnector(connector);
    }

    /** Property 7a. The validate endpoint names a missing table and a missing cursor index; the plugin is loaded from plugin.path. */
    @Test
    void validationNamesTheMissingTableAndIndex() throws Exception {
        String table = "plain_" + newTable();
        try (Connection connection = db().connect(DATABASE);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (id VARCHAR(64) PRIMARY KEY, txid BIGINT, seq BIGINT,"
                    + " created_at TIMESTAMP)");
        }
        Map<String, String> config = connectorConfig(qualified("no_such_outbox") + "," + qualified(table), Map.of());
        config.put("name", "polling-validate");
        ConnectStack.ValidationAnswer answer = stack.validate(config);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body())
                .contains("table " + qualified("no_such_outbox") + " does not exist")
                .contains(
                        "table " + qualified(table) + " has no index on (" + (postgres() ? "txid, seq" : "seq") + ")");
    }

    /** Property 7b. The database restarts while events flow: the task stays RUNNING, reconnects, loses nothing. */
    @Test
    void survivesADatabaseRestartWithoutAManualRestart() throws Exception {
        String table = newTable();
        String connector = "polling-restart-" + table;
        String type = "Restart" + table.replace("_", "");
        startConnector(connector, qualified(table), 1, Map.of("retry.backoff.ms", "200"));
        List<Event> first = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            first.add(event(type, "agg-" + (i % 3), table + "-a" + i));
        }
        commitEach(table, first);
        Set<String> topics = Set.of("outbox.event." + type);
        awaitIds(topics, eventIds(first), "the events before the restart");
        restartDatabase();
        List<Event> second = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            second.add(event(type, "agg-" + (i % 3), table + "-b" + i));
        }
        commitEach(table, second);
        List<Event> all = new ArrayList<>(first);
        all.addAll(second);
        awaitIds(topics, all.stream().map(Event::id).collect(Collectors.toSet()), "the events after the restart");
        assertExactlyOnce(received(topics), all);
        assertThat(stack.status(connector).tasks())
                .allSatisfy(task -> assertThat(task.state()).isEqualTo("RUNNING"));
        assertThat(((Number) metric(connector, "Retries")).longValue())
                .as("the task saw the outage")
                .isGreaterThan(0);
        stack.cluster().deleteConnector(connector);
    }

    /**
     * Property 3 without exactly-once: a worker without exactly-once source support, the same shipped config, tasks
     * restarted while writers commit. Every event arrives at least once, and every copy of an event is the same
     * record (topic, key, value, headers with the same event id), so the sink's de-duplication by id applies.
     */
    @Test
    void atLeastOnceWithTheSameEventIdsWithoutExactlyOnce() throws Exception {
        ConnectStack exactlyOnceStack = stack;
        try (ConnectStack plain = new ConnectStack(1, Map.of("mariadb.password", "", "postgres.password", ""))) {
            stack = plain;
            String table = newTable();
            String connector = "polling-alo-" + table;
            String type = "Alo" + table.replace("_", "");
            startConnector(connector, qualified(table), 1, Map.of());
            List<Event> expected = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (Connection connection = transaction()) {
                    for (int i = 0; i < 400; i++) {
                        Event event = event(type, "agg-" + (i % 7), table + "-" + i);
                        write(connection, table, event);
                        connection.commit();
                        expected.add(event);
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Set<String> topics = Set.of("outbox.event." + type);
            for (int restart = 1; restart <= 3; restart++) {
                int target = Math.min(ids(received(topics)).size() + 60, 400);
                Wait.until(
                        "more events emitted before restart " + restart,
                        TIMEOUT,
                        () -> ids(received(topics)).size() >= target || writer.isDone());
                stack.cluster().restartConnectorAndTasks(connector, false, true, false);
                stack.awaitRunning(connector, 1, TIMEOUT);
            }
            writer.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            awaitIds(topics, eventIds(new ArrayList<>(expected)), "every committed event, at least once");
            List<Received> records = received(topics);
            Map<String, Event> byId = new HashMap<>();
            expected.forEach(event -> byId.put(event.id(), event));
            assertThat(ids(records)).containsExactlyInAnyOrderElementsOf(byId.keySet());
            for (Received record : records) {
                Event event = byId.get(record.id());
                assertThat(record.key()).isEqualTo(event.aggregateId());
                assertThat(record.value()).isEqualTo(event.payload());
                assertThat(record.headers()).containsEntry("eventType", event.type());
            }
            System.out.println("at-least-once run on " + (postgres() ? "PostgreSQL" : "MariaDB") + ": " + records.size()
                    + " records for " + byId.size() + " events");
            stack.cluster().deleteConnector(connector);
        } finally {
            stack = exactlyOnceStack;
        }
    }

    /**
     * Property 7c, fail-over style: the connector reaches the database through a proxy that first resets every
     * connection and refuses new ones, then, healed and cut again, swallows all traffic without a reset (a primary
     * gone silent). The task stays RUNNING, gives the hanging connection up after connection.socket.timeout.ms,
     * reconnects once the path is back, and every event arrives exactly once.
     */
    @Test
    void survivesAResetAndAHangingConnection() throws Exception {
        String table = newTable();
        String connector = "polling-failover-" + table;
        String type = "Failover" + table.replace("_", "");
        try (TcpProxy proxy = new TcpProxy("polling-db", db().host(), db().port())) {
            String url = db().jdbcUrl(DATABASE)
                    .replace("//localhost:", "//127.0.0.1:")
                    .replace(":" + db().port() + "/", ":" + proxy.port() + "/");
            startConnector(
                    connector,
                    qualified(table),
                    1,
                    Map.of("connection.url", url, "retry.backoff.ms", "200", "connection.socket.timeout.ms", "2000"));
            Set<String> topics = Set.of("outbox.event." + type);
            List<Event> all = new ArrayList<>();
            for (String phase : List.of("before", "reset", "hanging")) {
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    events.add(event(type, "agg-" + (i % 3), table + "-" + phase + "-" + i));
                }
                long retriesBefore = ((Number) metric(connector, "Retries")).longValue();
                if (phase.equals("reset")) {
                    proxy.cut();
                } else if (phase.equals("hanging")) {
                    proxy.blackhole();
                }
                commitEach(table, events);
                all.addAll(events);
                if (!phase.equals("before")) {
                    Wait.until(
                            "the task noticed the " + phase + " connection",
                            TIMEOUT,
                            () -> ((Number) metric(connector, "Retries")).longValue() > retriesBefore);
                    proxy.heal();
                }
                awaitIds(topics, eventIds(all), "the events up to phase " + phase);
            }
            assertExactlyOnce(received(topics), all);
            assertThat(stack.status(connector).tasks())
                    .allSatisfy(task -> assertThat(task.state()).isEqualTo("RUNNING"));
            stack.cluster().deleteConnector(connector);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Crashes and rebalances: groups made only of worker processes (WorkerGroup), so that the worker running a task
    // can be killed with SIGKILL; the same plugin.path and settings as the stack's worker.

    /** Break-it switch: -Doutboxkit.polling.crash.exactly.once=false runs the crash tests without exactly-once. */
    static final boolean CRASH_EXACTLY_ONCE =
            !"false".equals(System.getProperty("outboxkit.polling.crash.exactly.once", "true"));

    static final long CRASH_SEED = Long.getLong("outboxkit.polling.crash.seed", 23L);

    /** A pause between a writer's commits, so that a two-minute crash test writes thousands of events, not millions. */
    static final Duration WRITER_PACE = Duration.ofMillis(30);

    WorkerGroup crashGroup(String name) {
        return new WorkerGroup(
                name, stack, Map.of("exactly.once.source.support", CRASH_EXACTLY_ONCE ? "enabled" : "disabled"));
    }

    Map<String, String> crashConnectorConfig(String tableList, int tasks, Map<String, String> overrides) {
        Map<String, String> config = connectorConfig(tableList, overrides);
        config.put("tasks.max", Integer.toString(tasks));
        config.put("exactly.once.support", CRASH_EXACTLY_ONCE ? "required" : "requested");
        return config;
    }

    /**
     * Writers that commit one event per transaction until stopped, paced by {@link #WRITER_PACE}. Writer w writes the
     * tables at indexes w, w + writers, ... (with fewer tables than writers, table w % tables); each aggregate has one
     * writer, so the order of {@link #stop()}'s list is the commit order of each aggregate.
     */
    final class Writers {
        private final List<Event> committed = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final ExecutorService threads;
        private final List<CompletableFuture<Void>> running = new ArrayList<>();

        Writers(List<String> tables, String type, int writers) {
            threads = Executors.newFixedThreadPool(writers);
            for (int w = 0; w < writers; w++) {
                int writer = w;
                List<String> own = new ArrayList<>();
                for (int t = writer; t < tables.size(); t += writers) {
                    own.add(tables.get(t));
                }
                if (own.isEmpty()) {
                    // Fewer tables than writers: writers share a table, each with aggregates of its own.
                    own.add(tables.get(writer % tables.size()));
                }
                running.add(CompletableFuture.runAsync(
                        () -> {
                            try (Connection connection = transaction()) {
                                for (int i = 0; !stopped.get(); i++) {
                                    String table = own.get(i % own.size());
                                    Event event = event(
                                            type,
                                            table + "-w" + writer + "-agg-" + (i / own.size()) % 2,
                                            table + "-w" + writer + "-" + i);
                                    write(connection, table, event);
                                    connection.commit();
                                    committed.add(event);
                                    Wait.sleep(WRITER_PACE);
                                }
                            } catch (SQLException e) {
                                throw new IllegalStateException("Writer " + writer + " failed", e);
                            }
                        },
                        threads));
            }
        }

        /** Stops the writers and returns every committed event, in commit order per aggregate. */
        List<Event> stop() throws Exception {
            stopped.set(true);
            try {
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                threads.shutdownNow();
            }
            synchronized (committed) {
                return List.copyOf(committed);
            }
        }
    }

    /** The topic's end offset (records and transaction markers); 0 before the topic exists. */
    static long endOffset(String topic) {
        if (stack.kafka().describeTopics(topic).get(topic).isEmpty()) {
            return 0;
        }
        return stack.endOffsets(topic).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Waits until the connector has written more to the topic: the task runs and emits. */
    static void awaitProgress(String topic, long records, String what) {
        long from = endOffset(topic);
        Wait.until(
                what + ": " + records + " more on " + topic + " after end offset " + from,
                TIMEOUT,
                () -> endOffset(topic) >= from + records,
                () -> "end offset " + endOffset(topic));
    }

    static WorkerProcess awaitTaskWorker(WorkerGroup group, String connector, int task) {
        Wait.until(
                "task " + connector + "-" + task + " RUNNING on a live worker",
                TIMEOUT,
                () -> group.runningTask(connector, task).isPresent(),
                () -> group.rest().status(connector) + " (live " + group.live() + ")");
        return group.runningTask(connector, task).orElseThrow();
    }

    private static final Pattern CURSOR_PART = Pattern.compile("(\\w+)=(\\d+)");

    /** The cursor in a record's outbox.source.position header ("offset {position=12, txid=900}"). */
    static Map<String, Long> cursorHeader(Received record) {
        String header = record.headers().get("outbox.source.position");
        assertThat(header)
                .as("position header of %s@%d", record.topic(), record.offset())
                .startsWith("offset {");
        Map<String, Long> cursor = new TreeMap<>();
        Matcher part = CURSOR_PART.matcher(header);
        while (part.find()) {
            cursor.put(part.group(1), Long.parseLong(part.group(2)));
        }
        return cursor;
    }

    static int compareCursors(Map<String, Long> a, Map<String, Long> b) {
        int byTxid = Long.compare(a.getOrDefault("txid", 0L), b.getOrDefault("txid", 0L));
        return byTxid != 0 ? byTxid : Long.compare(a.get("position"), b.get("position"));
    }

    /**
     * The per-table marker the connector puts on every record (outbox.source.table and the row's cursor in
     * outbox.source.position): in Kafka order, each table's cursors strictly increase. A row read twice, or a table
     * read by two tasks at once, would put a cursor at or behind one already seen. Each record's
     * outbox.source.version (a read model's version) is its cursor as one number, txid * 10^19 + position, so it
     * increases with it. Returns each table's last cursor.
     */
    static Map<String, Map<String, Long>> assertCursorsIncreasePerTable(List<Received> records) {
        Map<String, Map<String, Long>> last = new TreeMap<>();
        for (Received record : records) {
            String table = record.headers().get("outbox.source.table");
            Map<String, Long> cursor = cursorHeader(record);
            assertThat(record.headers().get("outbox.source.version"))
                    .as("version header of %s@%d, cursor %s", record.topic(), record.offset(), cursor)
                    .isEqualTo(BigInteger.valueOf(cursor.getOrDefault("txid", 0L))
                            .multiply(BigInteger.TEN.pow(19))
                            .add(BigInteger.valueOf(cursor.get("position")))
                            .toString());
            Map<String, Long> previous = last.get(table);
            assertThat(previous == null || compareCursors(previous, cursor) < 0)
                    .as(
                            "table %s: %s@%d has cursor %s, not after %s (a row emitted twice or by two readers)",
                            table, record.topic(), record.offset(), cursor, previous)
                    .isTrue();
            last.put(table, cursor);
        }
        return last;
    }

    static void assertCommitOrderPerAggregate(List<Received> records, List<Event> expected) {
        Map<String, List<String>> order = orderPerAggregate(records);
        Map<String, List<String>> committed = new HashMap<>();
        for (Event event : expected) {
            committed
                    .computeIfAbsent(event.topic() + "/" + event.aggregateId(), k -> new ArrayList<>())
                    .add(event.id());
        }
        assertThat(order.keySet()).containsExactlyInAnyOrderElementsOf(committed.keySet());
        committed.forEach((aggregate, ids) -> assertThat(order.get(aggregate))
                .as("aggregate %s in commit order", aggregate)
                .isEqualTo(ids));
    }

    /** The connector's committed source offset of each table, through the REST API (GET /connectors/{name}/offsets). */
    static Map<String, Map<String, Long>> restOffsets(WorkerGroup group, String connector) {
        Map<String, Map<String, Long>> offsets = new TreeMap<>();
        JsonNode answer = group.rest().call("GET", "/connectors/" + connector + "/offsets", null, 60);
        for (JsonNode offset : answer.path("offsets")) {
            Map<String, Long> cursor = new TreeMap<>();
            offset.path("offset")
                    .fields()
                    .forEachRemaining(
                            field -> cursor.put(field.getKey(), field.getValue().asLong()));
            offsets.put(offset.path("partition").path("table").asText(), cursor);
        }
        return offsets;
    }

    /** The cursor of the table's last row, as the connector's offsets hold it. */
    Map<String, Long> lastRowCursor(String table) throws SQLException {
        try (Connection connection = db().connect(DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        postgres()
                                ? "SELECT txid::text AS last_txid, seq FROM " + table
                                        + " ORDER BY txid DESC, seq DESC LIMIT 1"
                                : "SELECT 0, seq FROM " + table + " ORDER BY seq DESC LIMIT 1")) {
            // Ordered by the xid8 column, not by its text (an output column named txid would be ordered as text).
            assertThat(rs.next()).as("table %s has rows", table).isTrue();
            Map<String, Long> cursor = new TreeMap<>();
            if (postgres()) {
                cursor.put("txid", Long.parseLong(rs.getString(1)));
            }
            cursor.put("position", rs.getLong(2));
            return cursor;
        }
    }

    /**
     * Property 3 under crashes. A group of two worker processes with exactly-once source support runs the connector
     * ({@code exactly.once.support=required}, one task); while three writers commit, the worker running the task is
     * killed with SIGKILL at a seeded random point three times, and a new worker joins each time. A read_committed
     * consumer sees every committed event exactly once, each aggregate in commit order, each cursor once; the
     * committed source offset is the cursor of the table's last row and of the last record.
     */
    @Test
    void exactlyOnceWhenTheWorkerRunningTheTaskIsKilled() throws Exception {
        String table = newTable();
        String connector = "polling-kill-" + table;
        String type = "Kill" + table.replace("_", "");
        String topic = "outbox.event." + type;
        Random random = new Random(CRASH_SEED);
        List<String> crashes = new ArrayList<>();
        try (WorkerGroup group = crashGroup("polling-kill-" + table)) {
            group.start(2);
            group.rest()
                    .register(
                            connector,
                            crashConnectorConfig(qualified(table), 1, Map.of("cleanup.mode", "none")),
                            TIMEOUT);
            Writers writers = new Writers(List.of(table), type, 3);
            for (int crash = 1; crash <= 3; crash++) {
                // The new worker joins first, so that the task has somewhere to go as soon as the group notices.
                group.start(1);
                awaitProgress(topic, 40, "the task emits before crash " + crash);
                WorkerProcess victim = awaitTaskWorker(group, connector, 0);
                int delayMs = random.nextInt(1000);
                // The seeded random point of the crash in the task's stream: part of the scenario, not a wait.
                Wait.sleep(Duration.ofMillis(delayMs));
                group.kill(victim);
                crashes.add("SIGKILL " + victim + " after " + delayMs + " ms");
                group.awaitRunningOnLiveWorkers(connector, 1, TIMEOUT);
            }
            awaitProgress(topic, 40, "the task emits after the last crash");
            List<Event> expected = writers.stop();
            String run = "seed " + CRASH_SEED + ", " + crashes + ", tasks restarted after a failed fencing request "
                    + group.fencingRestarts();
            System.out.println("crash test on " + (postgres() ? "PostgreSQL" : "MariaDB") + ": " + expected.size()
                    + " events, " + run);
            awaitIds(Set.of(topic), eventIds(expected), "every committed event (" + run + ")");
            List<Received> records = received(Set.of(topic));
            assertExactlyOnce(records, expected);
            assertCommitOrderPerAggregate(records, expected);
            Map<String, Map<String, Long>> lastCursors = assertCursorsIncreasePerTable(records);
            Map<String, Long> lastRow = lastRowCursor(table);
            assertThat(lastCursors).containsExactly(Map.entry(qualified(table), lastRow));
            Wait.until(
                    "the committed offset of " + table + " reaches its last row " + lastRow,
                    TIMEOUT,
                    () -> lastRow.equals(restOffsets(group, connector).get(qualified(table))),
                    () -> "offsets " + restOffsets(group, connector));
            group.rest().call("DELETE", "/connectors/" + connector, null, 60);
        }
    }

    /**
     * Property 5 under rebalances. Twelve tables over three tasks on a group of worker processes; while writers commit
     * into every table, a worker joins, the worker running a task is killed (SIGKILL), another leaves gracefully
     * (SIGTERM), one joins, and one more is killed. Throughout, a sampler reads the task configs and statuses through
     * the REST API: every table is in exactly one task's config, and no table is ever in two RUNNING tasks. What the
     * connector enforces (exactly-once source tasks, fenced when their worker is gone) shows in the data: every row of
     * every table exactly once, each table's cursors strictly increasing in Kafka order, each aggregate in commit order,
     * and each table's committed offset the cursor of its last record.
     */
    @Test
    void rebalancesNeverGiveTwoTasksTheSameTable() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add(newTable());
        }
        List<String> qualifiedNames = names.stream().map(this::qualified).toList();
        String connector = "polling-rebalance-" + names.get(0);
        String type = "Rebalance" + names.get(0).replace("_", "");
        String topic = "outbox.event." + type;
        Random random = new Random(CRASH_SEED);
        List<String> steps = new ArrayList<>();
        try (WorkerGroup group = crashGroup("polling-rebalance-" + names.get(0))) {
            group.start(2);
            group.rest()
                    .register(connector, crashConnectorConfig(String.join(",", qualifiedNames), 3, Map.of()), TIMEOUT);
            TableOwnership ownership = new TableOwnership(group, connector, qualifiedNames);
            Writers writers = new Writers(names, type, 3);
            try {
                for (String step : List.of("join", "kill", "leave", "join", "kill")) {
                    awaitProgress(topic, 40, "the tasks emit before step " + step);
                    int delayMs = random.nextInt(1000);
                    Wait.sleep(Duration.ofMillis(delayMs));
                    switch (step) {
                        case "join" -> steps.add("joined " + group.start(1).get(0));
                        case "kill" -> {
                            WorkerProcess victim = awaitTaskWorker(group, connector, random.nextInt(3));
                            group.kill(victim);
                            steps.add("SIGKILL " + victim + " after " + delayMs + " ms");
                        }
                        default -> {
                            WorkerProcess leaving = awaitTaskWorker(group, connector, random.nextInt(3));
                            group.stop(leaving);
                            steps.add("SIGTERM " + leaving + " after " + delayMs + " ms");
                        }
                    }
                    group.awaitRunningOnLiveWorkers(connector, 3, TIMEOUT);
                    ownership.sample();
                }
                awaitProgress(topic, 40, "the tasks emit after the last step");
            } finally {
                ownership.close();
            }
            List<Event> expected = writers.stop();
            String run = "seed " + CRASH_SEED + ", " + steps + ", tasks restarted after a failed fencing request "
                    + group.fencingRestarts();
            System.out.println("rebalance test on " + (postgres() ? "PostgreSQL" : "MariaDB") + ": " + expected.size()
                    + " events, " + ownership.samples() + " ownership samples, " + run);
            assertThat(ownership.violations())
                    .as("tables in two RUNNING tasks (%s)", run)
                    .isEmpty();
            assertThat(ownership.samples())
                    .as("ownership samples taken during the run")
                    .isGreaterThanOrEqualTo(10);
            awaitIds(Set.of(topic), eventIds(expected), "every committed event of 12 tables (" + run + ")");
            List<Received> records = received(Set.of(topic));
            assertExactlyOnce(records, expected);
            assertCommitOrderPerAggregate(records, expected);
            Map<String, Map<String, Long>> lastCursors = assertCursorsIncreasePerTable(records);
            assertThat(lastCursors.keySet()).containsExactlyInAnyOrderElementsOf(qualifiedNames);
            Wait.until(
                    "the committed offset of each table reaches the cursor of its last record",
                    TIMEOUT,
                    () -> lastCursors.equals(restOffsets(group, connector)),
                    () -> "offsets " + restOffsets(group, connector) + ", last records " + lastCursors);
            group.rest().call("DELETE", "/connectors/" + connector, null, 60);
        }
    }

    /**
     * Samples, every 200 ms and on demand, which tasks the REST API reports RUNNING and which tables their configs
     * name: records every moment a table was in no task's config or in two RUNNING tasks.
     */
    static final class TableOwnership implements AutoCloseable {
        private final WorkerGroup group;
        private final String connector;
        private final List<String> tables;
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread sampler;
        private int samples;

        TableOwnership(WorkerGroup group, String connector, List<String> tables) {
            this.group = group;
            this.connector = connector;
            this.tables = tables;
            sampler = new Thread(
                    () -> {
                        while (!closed.get()) {
                            try {
                                sample();
                            } catch (RuntimeException e) {
                                // No worker answered (all between owners, or the answering one just died): no sample.
                            }
                            Wait.sleep(Duration.ofMillis(200));
                        }
                    },
                    "table-ownership-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        void sample() {
            JsonNode configs = group.rest().call("GET", "/connectors/" + connector + "/tasks", null, 10);
            JsonNode status = group.rest().status(connector);
            Set<Integer> running = new java.util.HashSet<>();
            status.path("tasks").forEach(task -> {
                if ("RUNNING".equals(task.path("state").asText())) {
                    running.add(task.path("id").asInt());
                }
            });
            Map<String, List<Integer>> owners = new TreeMap<>();
            Map<String, List<Integer>> runningOwners = new TreeMap<>();
            for (JsonNode task : configs) {
                int id = task.path("id").path("task").asInt();
                for (String table : task.path("config")
                        .path("outboxkit.task.tables")
                        .asText()
                        .split(",")) {
                    owners.computeIfAbsent(table, t -> new ArrayList<>()).add(id);
                    if (running.contains(id)) {
                        runningOwners
                                .computeIfAbsent(table, t -> new ArrayList<>())
                                .add(id);
                    }
                }
            }
            synchronized (this) {
                samples++;
                for (String table : tables) {
                    List<Integer> configured = owners.getOrDefault(table, List.of());
                    if (configured.size() != 1) {
                        violations.add("table " + table + " in the configs of tasks " + configured);
                    }
                    List<Integer> runningTasks = runningOwners.getOrDefault(table, List.of());
                    if (runningTasks.size() > 1) {
                        violations.add("table " + table + " read by RUNNING tasks " + runningTasks);
                    }
                }
            }
        }

        synchronized int samples() {
            return samples;
        }

        List<String> violations() {
            synchronized (violations) {
                return List.copyOf(violations);
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed.set(true);
            sampler.join(30_000);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Privileges

    /** Creates a login user without a password that has only these privileges (e.g. "SELECT") on the table. */
    abstract void createUser(String name, String table, String privileges) throws SQLException;

    /** Grants the user more privileges on the table. */
    abstract void grant(String name, String table, String privileges) throws SQLException;

    /** How the database refuses a statement for want of a privilege, as the connector's messages quote it. */
    abstract String privilegeRefused();

    /**
     * Property 7 (privileges). A user who may SELECT from the outbox table but not DELETE, which the default
     * {@code cleanup.mode=delete} needs: the validate endpoint names the privilege, the table and the option, and
     * creating the connector is refused with the same message. Granted DELETE too (nothing else), the same user passes
     * validation and the connector runs and emits.
     */
    @Test
    void validationAndCreationNameAMissingPrivilege() throws Exception {
        String table = newTable();
        String user = table + "_relay";
        createUser(user, table, "SELECT");
        String connector = "polling-privileges-" + table;
        // The test database's URL names its user (PostgreSQL: ?user=postgres), which would win over connection.user.
        String url =
                db().jdbcUrl(DATABASE).replaceAll("([?&])user=[^&]*&?", "$1").replaceAll("[?&]$", "");
        Map<String, String> config =
                connectorConfig(qualified(table), Map.of("connection.user", user, "connection.url", url));
        config.put("name", connector);
        String missing = "user '" + user + "' may not DELETE from table " + qualified(table)
                + ", which cleanup.mode=delete needs (" + privilegeRefused() + ")";
        ConnectStack.ValidationAnswer answer = stack.validate(config);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains(missing).contains("\"error_count\":1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> stack.put(connector, config))
                .hasMessageContaining("answered 400")
                .hasMessageContaining(missing);
        assertThat(stack.cluster().connectors()).doesNotContain(connector);

        grant(user, table, "DELETE");
        assertThat(stack.validate(config).body()).contains("\"error_count\":0");
        String type = "Privileges" + table.replace("_", "");
        startConnector(connector, qualified(table), 1, Map.of("connection.user", user, "connection.url", url));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(event(type, "agg-" + (i % 2), table + "-" + i));
        }
        commitEach(table, events);
        Set<String> topics = Set.of("outbox.event." + type);
        awaitIds(topics, eventIds(events), "the events read as user " + user);
        assertExactlyOnce(received(topics), events);
        Wait.until("cleanup as user " + user + " emptied " + table, TIMEOUT, () -> rowCount(table) == 0);
        stack.cluster().deleteConnector(connector);
    }
}
