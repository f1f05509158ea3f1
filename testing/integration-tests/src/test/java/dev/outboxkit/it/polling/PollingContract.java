package dev.outboxkit.it.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.management.ObjectName;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
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
                                if (!postgres()) {
                                    // They wait for the held transaction's counter lock longer than InnoDB's default 50
                                    // s.
                                    try (Statement statement = connection.createStatement()) {
                                        statement.execute("SET SESSION innodb_lock_wait_timeout = 600");
                                    }
                                }
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
            if (!postgres()) {
                assertThat(writersDoneDuringHold)
                        .as("MariaDB: writers of this table waited for the held transaction")
                        .isFalse();
            }
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
}
