package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.outboxkit.polling.db.Cursor;
import dev.outboxkit.polling.db.SchemaCheck;
import dev.outboxkit.polling.db.TableName;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.db.OutboxDdl;

/**
 * The reader against a real database, created from the shipped DDL: what a poll may return while transactions
 * are in flight, cleanup bounds, the query plans, and the schema checks. One subclass per database.
 */
abstract class ReaderContract {

    private static int tables;

    abstract boolean postgres();

    abstract Connection connect() throws SQLException;

    abstract String url();

    String user() {
        return postgres() ? "postgres" : "root";
    }

    String newTable() throws SQLException {
        String table = "outbox_t" + (++tables);
        try (Connection connection = connect()) {
            OutboxDdl.create(connection, postgres(), table);
        }
        return table;
    }

    PollingConfig config(String table, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put(PollingConfig.CONNECTION_URL, url());
        props.put(PollingConfig.CONNECTION_USER, user());
        props.put(PollingConfig.TABLES, table);
        props.put(PollingConfig.COLUMN_CREATED, "created_at");
        props.putAll(extra);
        return new PollingConfig(props);
    }

    TableReader reader(String table) {
        return new TableReader(TableName.parse(table), config(table, Map.of()), Cursor.START);
    }

    static void insert(Connection connection, String table, String id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO " + table
                        + " (id, aggregatetype, aggregateid, type, payload) VALUES (?, 'Order', 'order-1', 'OrderCreated', '{}')")) {
            insert.setString(1, id);
            insert.executeUpdate();
        }
    }

    Connection transaction() throws SQLException {
        Connection connection = connect();
        connection.setAutoCommit(false);
        return connection;
    }

    static List<String> ids(List<SourceRecord> records) {
        return records.stream().map(r -> ((Struct) r.value()).getString("id")).toList();
    }

    List<String> pollAll(TableReader reader) throws SQLException {
        try (Connection connection = config("x", Map.of()).dialect().connect(url(), user(), "")) {
            return ids(reader.poll(connection, 0));
        }
    }

    @Test
    void rowOfAnOpenTransactionHoldsBackRowsCommittedAfterIt() throws Exception {
        String table = newTable();
        TableReader reader = reader(table);
        try (Connection first = transaction();
                Connection second = transaction()) {
            insert(first, table, "first-begun");
            insert(second, table, "second-begun");
            second.commit();
            assertThat(pollAll(reader))
                    .as("nothing may pass a row whose transaction is still open")
                    .isEmpty();
            first.commit();
        }
        assertThat(pollAll(reader)).containsExactly("first-begun", "second-begun");
        assertThat(pollAll(reader)).isEmpty();
    }

    @Test
    void rolledBackRowNeverBlocksProgress() throws Exception {
        String table = newTable();
        TableReader reader = reader(table);
        try (Connection aborted = transaction()) {
            insert(aborted, table, "rolled-back");
            aborted.rollback();
        }
        try (Connection connection = connect()) {
            insert(connection, table, "committed");
        }
        assertThat(pollAll(reader)).containsExactly("committed");
    }

    /**
     * A generated workload, seeded: six writers commit transactions of one to four outbox rows, pause inside them and
     * before committing (one transaction in twenty for 300 ms), roll back one in five, on MariaDB also make an insert
     * fail now and then (a duplicate event id, which uses up a position), and now and then replace their connection
     * (on MariaDB: another slot). A reader polls all the while and then until the table is read. Every committed
     * row is handed on exactly once, no rolled-back one, in cursor order.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void generatedConcurrentWorkloadsLoseNothing(long seed) throws Exception {
        String table = newTable();
        TableReader reader = reader(table);
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> rolledBack = ConcurrentHashMap.newKeySet();
        ExecutorService writers = Executors.newFixedThreadPool(6);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                write(table, seed, writer, committed, rolledBack);
                return null;
            }));
        }
        List<String> handedOn = new ArrayList<>();
        List<Cursor> cursors = new ArrayList<>();
        var dialect = config(table, Map.of()).dialect();
        try (Connection connection = dialect.connect(url(), user(), "")) {
            Runnable poll = () -> {
                try {
                    for (SourceRecord record : reader.poll(connection, 0)) {
                        handedOn.add(((Struct) record.value()).getString("id"));
                        cursors.add(dialect.cursorFromOffset(castOffset(record.sourceOffset())));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            while (!done.stream().allMatch(Future::isDone)) {
                poll.run();
                // The reader's pace while the writers run, not a synchronisation.
                Thread.sleep(2);
            }
            for (Future<?> writer : done) {
                writer.get();
            }
            Wait.until(
                    "every committed row handed on (seed " + seed + ")",
                    Duration.ofSeconds(30),
                    () -> {
                        poll.run();
                        return handedOn.containsAll(committed);
                    },
                    () -> "missing "
                            + committed.stream()
                                    .filter(id -> !handedOn.contains(id))
                                    .sorted()
                                    .toList());
        } finally {
            writers.shutdownNow();
        }
        assertThat(handedOn).as("seed %d: handed on once each", seed).doesNotHaveDuplicates();
        assertThat(new java.util.HashSet<>(handedOn))
                .as("seed %d: the committed rows, no others", seed)
                .isEqualTo(committed);
        assertThat(rolledBack)
                .as("seed %d: rolled-back transactions were generated", seed)
                .isNotEmpty();
        for (int i = 1; i < cursors.size(); i++) {
            assertThat(cursors.get(i).isAfter(cursors.get(i - 1)))
                    .as("seed %d: cursor %s after %s", seed, cursors.get(i), cursors.get(i - 1))
                    .isTrue();
        }
    }

    private void write(String table, long seed, int writer, Set<String> committed, Set<String> rolledBack)
            throws SQLException, InterruptedException {
        Random random = new Random(seed * 1_000 + writer);
        Connection connection = transaction();
        try {
            for (int t = 0; t < 50; t++) {
                if (random.nextInt(10) == 0) {
                    connection.close();
                    connection = transaction();
                }
                List<String> ids = new ArrayList<>();
                int rows = 1 + random.nextInt(4);
                for (int i = 0; i < rows; i++) {
                    String id = "s" + seed + "-w" + writer + "-t" + t + "-" + i;
                    insert(connection, table, id);
                    ids.add(id);
                    if (!postgres() && random.nextInt(8) == 0) {
                        try {
                            insert(connection, table, id);
                            throw new IllegalStateException("a duplicate event id was accepted");
                        } catch (SQLException duplicate) {
                            // MariaDB undoes the statement only; the transaction goes on.
                        }
                    }
                    Thread.sleep(random.nextInt(3));
                }
                Thread.sleep(random.nextInt(20) == 0 ? 300 : random.nextInt(5));
                if (random.nextInt(5) == 0) {
                    connection.rollback();
                    rolledBack.addAll(ids);
                } else {
                    connection.commit();
                    committed.addAll(ids);
                }
            }
        } finally {
            connection.close();
        }
    }

    @Test
    void cleanupDeletesInBatchesUpToTheCommittedCursorOnly() throws Exception {
        String table = newTable();
        try (Connection connection = connect()) {
            for (int i = 1; i <= 10; i++) {
                insert(connection, table, "e" + i);
            }
        }
        TableReader reader = new TableReader(
                TableName.parse(table), config(table, Map.of(PollingConfig.CLEANUP_BATCH_ROWS, "3")), Cursor.START);
        Cursor afterFourth;
        try (Connection connection = config(table, Map.of()).dialect().connect(url(), user(), "")) {
            List<SourceRecord> records = reader.poll(connection, 0);
            afterFourth = config(table, Map.of())
                    .dialect()
                    .cursorFromOffset(castOffset(records.get(3).sourceOffset()));
            assertThat(reader.cleanUp(connection, afterFourth, 1))
                    .as("one batch of 3")
                    .isEqualTo(3);
            assertThat(reader.cleanUp(connection, afterFourth, 20))
                    .as("the rest up to the 4th")
                    .isEqualTo(1);
        }
        assertThat(remainingIds(table)).containsExactly("e5", "e6", "e7", "e8", "e9", "e10");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castOffset(Map<String, ?> offset) {
        return (Map<String, Object>) offset;
    }

    List<String> remainingIds(String table) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT id FROM " + table + " ORDER BY " + (postgres() ? "txid, seq" : "seq"))) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    @Test
    void schemaCheckNamesMissingTableColumnIndexAndTechnique() throws Exception {
        String good = newTable();
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute(
                    "CREATE TABLE plain_outbox (id VARCHAR(64) PRIMARY KEY, seq BIGINT, txid BIGINT, created_at TIMESTAMP)");
            statement.execute("CREATE TABLE no_cursor_outbox (id VARCHAR(64) PRIMARY KEY)");
            SchemaCheck check = new SchemaCheck(config(good, Map.of()));
            assertThat(check.check(connection, TableName.parse(good))).isEmpty();
            assertThat(check.check(connection, TableName.parse("missing_outbox")))
                    .containsExactly("table missing_outbox does not exist (or user '" + user() + "' cannot see it)");
            assertThat(check.check(connection, TableName.parse("no_cursor_outbox")))
                    .anySatisfy(message -> assertThat(message)
                            .isEqualTo("table no_cursor_outbox has no column seq (see README, Polling: DDL)"));
            List<String> plain = check.check(connection, TableName.parse("plain_outbox"));
            assertThat(plain)
                    .anySatisfy(message -> assertThat(message)
                            .startsWith(
                                    "table plain_outbox has no index on (" + (postgres() ? "txid, seq" : "seq") + ")"));
            if (postgres()) {
                assertThat(plain)
                        .contains(
                                "column plain_outbox.txid is bigint, must be xid8",
                                "column plain_outbox.txid must default to pg_current_xact_id() (see README, Polling: DDL)");
            } else {
                assertThat(plain)
                        .contains(
                                "column plain_outbox.seq must be AUTO_INCREMENT (see README, Polling: DDL)",
                                "table plain_outbox has no writers table plain_outbox_writers with columns slot and"
                                        + " gen (see README, Polling: DDL)",
                                "table plain_outbox has no BEFORE INSERT trigger that locks its writer's slot in"
                                        + " plain_outbox_writers (see README, Polling: DDL)");
            }
        }
    }

    /** Creates a login user with only these privileges (e.g. "SELECT") on the table, and no password. */
    abstract void createUser(String name, String table, String privileges) throws SQLException;

    /** How the database refuses a statement for want of a privilege, as the messages quote it. */
    abstract String privilegeRefused();

    List<String> checkAs(String user, String table, Map<String, String> extra) throws SQLException {
        Map<String, String> props = new HashMap<>(extra);
        props.put(PollingConfig.CONNECTION_USER, user);
        PollingConfig config = config(table, props);
        try (Connection connection = config.dialect().connect(url(), user, "")) {
            return new SchemaCheck(config).check(connection, TableName.parse(table));
        }
    }

    /**
     * The user's privileges as the task needs them: SELECT always, DELETE for cleanup.mode=delete (the default). A
     * user lacking one is told which, for which table; a user with both, or with SELECT and cleanup off, passes.
     */
    @Test
    void schemaCheckNamesAMissingPrivilege() throws Exception {
        String table = newTable();
        createUser(table + "_reader", table, "SELECT");
        createUser(table + "_deleter", table, "DELETE");
        createUser(table + "_relay", table, "SELECT, DELETE");
        assertThat(checkAs(table + "_reader", table, Map.of()))
                .containsExactly("user '" + table + "_reader' may not DELETE from table " + table
                        + ", which cleanup.mode=delete needs (" + privilegeRefused() + ")");
        assertThat(checkAs(table + "_reader", table, Map.of(PollingConfig.CLEANUP_MODE, "none")))
                .isEmpty();
        assertThat(checkAs(table + "_deleter", table, Map.of(PollingConfig.CLEANUP_MODE, "none")))
                .containsExactly("user '" + table + "_deleter' may not SELECT from table " + table + " ("
                        + privilegeRefused() + ")");
        assertThat(checkAs(table + "_relay", table, Map.of())).isEmpty();
    }

    /** Every statement the server has run so far (its own counter), but for the counter's own queries. */
    abstract long statementsRun(Connection connection) throws SQLException;

    /**
     * What an idle poll costs: the real task ({@code OutboxPollingSourceTask}) reads a table to its end, then polls
     * 25 more times and finds nothing; the server's own statement counter rises by exactly 25, one statement per
     * idle poll (the batch select, whose plan at the end of the table {@link #everyStatementUsesTheCursorIndex}
     * checks). Housekeeping (the age metric, cleanup) runs every cleanup.interval.ms, here once an hour.
     */
    @Test
    void anIdlePollIsOneStatement() throws Exception {
        String table = newTable();
        try (Connection connection = connect()) {
            for (int i = 0; i < 20; i++) {
                insert(connection, table, "idle-" + i);
            }
        }
        OutboxPollingSourceTask task = startTask(
                table, Map.of(PollingConfig.POLL_INTERVAL_MS, "1", PollingConfig.CLEANUP_INTERVAL_MS, "3600000"));
        try (Connection counter = connect()) {
            List<String> read = new ArrayList<>();
            for (int poll = 0; poll < 100 && read.size() < 20; poll++) {
                List<SourceRecord> records = task.poll();
                if (records != null) {
                    read.addAll(ids(records));
                }
            }
            assertThat(read).hasSize(20);
            long before = statementsRun(counter);
            for (int poll = 0; poll < 25; poll++) {
                assertThat(task.poll()).as("idle poll %d", poll).isNull();
            }
            assertThat(statementsRun(counter) - before)
                    .as("statements run by 25 idle polls")
                    .isEqualTo(25);
        } finally {
            task.stop();
        }
    }

    /**
     * The real task on one table, with a stub context holding no offsets: the Connect runtime's part is the pipeline
     * tests' subject.
     */
    OutboxPollingSourceTask startTask(String table, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "task-" + table);
        props.put(PollingConfig.CONNECTION_URL, url());
        props.put(PollingConfig.CONNECTION_USER, user());
        props.put(PollingConfig.TABLES, table);
        props.put(PollingConfig.TASK_TABLES, table);
        props.put(PollingConfig.COLUMN_CREATED, "created_at");
        props.putAll(extra);
        OutboxPollingSourceTask task = new OutboxPollingSourceTask();
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return props;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return new OffsetStorageReader() {
                    @Override
                    public <T> Map<String, Object> offset(Map<String, T> partition) {
                        return null;
                    }

                    @Override
                    public <T> Map<Map<String, T>, Map<String, Object>> offsets(
                            java.util.Collection<Map<String, T>> partitions) {
                        return Map.of();
                    }
                };
            }
        });
        task.start(props);
        return task;
    }

    /**
     * Pacing: a full batch means a backlog, and the next poll reads on at once; after a batch that was not full the
     * table is not queried again before poll.interval.ms has passed since the last query, so under a steady load a
     * poll (and an exactly-once transaction) carries an interval's rows. Elapsed times are only compared with the
     * interval, 10 s, which three indexed queries on a connection being opened never come near.
     */
    @Test
    void aBacklogIsReadAtOnceAndATableThatKeepsUpOncePerPollInterval() throws Exception {
        String table = newTable();
        try (Connection connection = connect()) {
            for (int i = 0; i < 5; i++) {
                insert(connection, table, "paced-" + i);
            }
        }
        long interval = 10_000;
        OutboxPollingSourceTask task = startTask(
                table,
                Map.of(
                        PollingConfig.BATCH_MAX_ROWS, "2",
                        PollingConfig.POLL_INTERVAL_MS, Long.toString(interval),
                        PollingConfig.CLEANUP_INTERVAL_MS, "3600000"));
        try {
            long started = System.nanoTime();
            assertThat(ids(task.poll())).containsExactly("paced-0", "paced-1");
            assertThat(ids(task.poll())).containsExactly("paced-2", "paced-3");
            long beforeThirdPoll = System.nanoTime();
            assertThat(ids(task.poll())).containsExactly("paced-4");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .as("ms for three polls, two of them after a full batch")
                    .isLessThan(interval);
            assertThat(task.poll())
                    .as("the poll after a batch that was not full")
                    .isNull();
            // The task's clock counts whole milliseconds: allow it one either side.
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeThirdPoll))
                    .as("ms from before the poll of the batch that was not full to the end of the next poll")
                    .isGreaterThanOrEqualTo(interval - 2);
        } finally {
            task.stop();
        }
    }

    /** The plan of each statement the task runs, on a table large enough that a full scan would be chosen if possible. */
    @Test
    void everyStatementUsesTheCursorIndex() throws Exception {
        String table = newTable();
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < 5000; i++) {
                insert(connection, table, "p" + i);
                if (i % 1000 == 999) {
                    connection.commit();
                }
            }
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("ANALYZE " + (postgres() ? "" : "TABLE ") + table);
            }
            PollingConfig config = config(table, Map.of());
            var dialect = config.dialect();
            TableName name = TableName.parse(table);
            Cursor middle = postgres() ? cursorOfRow(connection, table, 2500) : new Cursor(0, 2500);
            assertUsesIndex(connection, dialect.selectBatch(name), List.of(middle.txid(), middle.position(), 1000));
            assertUsesIndex(connection, dialect.selectBatch(name), List.of(0L, 0L, 1000));
            Cursor end = postgres() ? cursorOfRow(connection, table, 4999) : new Cursor(0, 5000);
            // The idle poll: the cursor at the last row.
            assertUsesIndex(connection, dialect.selectBatch(name), List.of(end.txid(), end.position(), 1000));
            assertUsesIndex(connection, dialect.selectOldestPending(name), List.of(middle.txid(), middle.position()));
            assertUsesIndex(connection, dialect.deleteBatch(name), List.of(middle.txid(), middle.position(), 500));
        }
    }

    Cursor cursorOfRow(Connection connection, String table, int offset) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT txid::text, seq FROM " + table + " ORDER BY txid, seq OFFSET " + offset + " LIMIT 1")) {
            rs.next();
            return new Cursor(Long.parseLong(rs.getString(1)), rs.getLong(2));
        }
    }

    /** Binds the parameters (MariaDB: the txid, always 0, is skipped) and checks EXPLAIN names the cursor index. */
    abstract void assertUsesIndex(Connection connection, String sql, List<Object> parameters) throws SQLException;

    static String explain(Connection connection, String sql, List<Object> parameters) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement statement = connection.prepareStatement("EXPLAIN " + sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                Object value = parameters.get(i);
                if (value instanceof Long l && i == 0 && sql.contains("xid8")) {
                    statement.setString(i + 1, Long.toString(l));
                } else {
                    statement.setObject(i + 1, value);
                }
            }
            try (ResultSet rs = statement.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int c = 1; c <= columns; c++) {
                        plan.append(rs.getMetaData().getColumnLabel(c))
                                .append('=')
                                .append(rs.getString(c))
                                .append(' ');
                    }
                    plan.append('\n');
                }
            }
        }
        return plan.toString();
    }
}
