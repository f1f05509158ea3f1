package dev.outboxkit.polling;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import dev.outboxkit.polling.db.Dialect;
import dev.outboxkit.polling.db.TableName;

/**
 * The polling source's options: the public {@link #CONFIG_DEF} (what the REST validate endpoint and the README
 * show) and the parsed, immutable settings. Every option is checked by its own validator; what needs the database
 * (tables, columns, indexes, privileges) is checked by {@link OutboxPollingSourceConnector#validate}.
 */
public final class PollingConfig {

    public static final String GROUP_CONNECTION = "Connection";
    public static final String GROUP_TABLES = "Outbox tables";
    public static final String GROUP_POLLING = "Polling";
    public static final String GROUP_CLEANUP = "Cleanup";

    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USER = "connection.user";
    public static final String CONNECTION_PASSWORD = "connection.password";
    public static final String CONNECTION_SOCKET_TIMEOUT_MS = "connection.socket.timeout.ms";
    public static final String TABLES = "tables";
    public static final String COLUMN_POSITION = "table.column.position";
    public static final String COLUMN_TXID = "table.column.txid";
    public static final String COLUMN_CREATED = "table.column.created";
    public static final String WRITERS_SUFFIX = "table.writers.suffix";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String POLL_INTERVAL_MS = "poll.interval.ms";
    public static final String BATCH_MAX_ROWS = "batch.max.rows";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String CLEANUP_MODE = "cleanup.mode";
    public static final String CLEANUP_BATCH_ROWS = "cleanup.batch.rows";
    public static final String CLEANUP_INTERVAL_MS = "cleanup.interval.ms";

    /** Internal: the tables one task reads, set by the connector in each task's config. */
    static final String TASK_TABLES = "outboxkit.task.tables";
    /** Internal: the task's number, for the JMX name. */
    static final String TASK_ID = "outboxkit.task.id";

    /** What happens to rows once Connect has committed an offset past them. */
    public enum CleanupMode {
        DELETE,
        NONE
    }

    private static final Pattern COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final String url;
    private final String user;
    private final Password password;
    private final int socketTimeoutMs;
    private final List<TableName> tables;
    private final String positionColumn;
    private final String txidColumn;
    private final String createdColumn;
    private final String writersSuffix;
    private final String topicPrefix;
    private final long pollIntervalMs;
    private final int batchMaxRows;
    private final long retryBackoffMs;
    private final CleanupMode cleanupMode;
    private final int cleanupBatchRows;
    private final long cleanupIntervalMs;
    private final Dialect dialect;

    public PollingConfig(Map<String, ?> originals) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, originals, false);
        url = config.getString(CONNECTION_URL).trim();
        user = config.getString(CONNECTION_USER);
        password = config.getPassword(CONNECTION_PASSWORD);
        socketTimeoutMs = config.getInt(CONNECTION_SOCKET_TIMEOUT_MS);
        tables = config.getList(TABLES).stream().map(TableName::parse).toList();
        positionColumn = config.getString(COLUMN_POSITION);
        txidColumn = config.getString(COLUMN_TXID);
        String created = config.getString(COLUMN_CREATED).trim();
        createdColumn = created.isEmpty() ? null : created;
        writersSuffix = config.getString(WRITERS_SUFFIX);
        topicPrefix = config.getString(TOPIC_PREFIX);
        pollIntervalMs = config.getLong(POLL_INTERVAL_MS);
        batchMaxRows = config.getInt(BATCH_MAX_ROWS);
        retryBackoffMs = config.getLong(RETRY_BACKOFF_MS);
        cleanupMode = CleanupMode.valueOf(config.getString(CLEANUP_MODE).toUpperCase(java.util.Locale.ROOT));
        cleanupBatchRows = config.getInt(CLEANUP_BATCH_ROWS);
        cleanupIntervalMs = config.getLong(CLEANUP_INTERVAL_MS);
        dialect = Dialect.forUrl(url, this);
        if (createdColumn != null && !COLUMN.matcher(createdColumn).matches()) {
            throw new ConfigException(COLUMN_CREATED, createdColumn, "not a plain column name");
        }
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public Password password() {
        return password;
    }

    /** How long a read may wait for the database before the connection is given up (and the task reconnects). */
    public int socketTimeoutMs() {
        return socketTimeoutMs;
    }

    /** Every configured table, in the configured order. */
    public List<TableName> tables() {
        return tables;
    }

    public String positionColumn() {
        return positionColumn;
    }

    public String txidColumn() {
        return txidColumn;
    }

    /** The column holding the row's insert time, for the age metric; null when not configured. */
    public String createdColumn() {
        return createdColumn;
    }

    /** MariaDB/MySQL: the writers table of an outbox table is its name plus this suffix. */
    public String writersSuffix() {
        return writersSuffix;
    }

    public String topicPrefix() {
        return topicPrefix;
    }

    public long pollIntervalMs() {
        return pollIntervalMs;
    }

    public int batchMaxRows() {
        return batchMaxRows;
    }

    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    public CleanupMode cleanupMode() {
        return cleanupMode;
    }

    public int cleanupBatchRows() {
        return cleanupBatchRows;
    }

    public long cleanupIntervalMs() {
        return cleanupIntervalMs;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The topic of a table's flat rows before the router renames it: {@code <prefix>.<schema>.<table>}. */
    public String rowTopic(TableName table) {
        return topicPrefix + "." + table.qualified();
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(
                CONNECTION_URL,
                Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                new JdbcUrlValidator(),
                Importance.HIGH,
                "JDBC URL of the database holding the outbox tables: jdbc:postgresql://..., jdbc:mariadb://... or"
                        + " jdbc:mysql://... (read with the bundled MariaDB driver). The scheme selects the technique"
                        + " (see README, Polling instead of change data capture).",
                GROUP_CONNECTION,
                ++order,
                Width.LONG,
                "JDBC URL");
        def.define(
                CONNECTION_USER,
                Type.STRING,
                "",
                Importance.HIGH,
                "Database user. Needs SELECT on the outbox tables (MariaDB/MySQL: and on their writers tables), plus"
                        + " DELETE on the outbox tables when cleanup.mode=delete.",
                GROUP_CONNECTION,
                ++order,
                Width.MEDIUM,
                "User");
        def.define(
                CONNECTION_PASSWORD,
                Type.PASSWORD,
                "",
                Importance.HIGH,
                "Database password; use a config provider (${file:...}) rather than the plain value.",
                GROUP_CONNECTION,
                ++order,
                Width.MEDIUM,
                "Password");
        def.define(
                CONNECTION_SOCKET_TIMEOUT_MS,
                Type.INT,
                30_000,
                ConfigDef.Range.between(1000, 3_600_000),
                Importance.LOW,
                "A read that gets no answer from the database for this long fails, and the task reconnects: a fail-over"
                        + " that leaves the old connection hanging (no reset) is survived without a manual restart. Also"
                        + " bounds connecting. A socketTimeout in the URL takes precedence.",
                GROUP_CONNECTION,
                ++order,
                Width.SHORT,
                "Socket timeout (ms)");
        order = 0;
        def.define(
                TABLES,
                Type.LIST,
                ConfigDef.NO_DEFAULT_VALUE,
                new TablesValidator(),
                Importance.HIGH,
                "Outbox tables to read, as schema.table (PostgreSQL: schema defaults to public; MariaDB/MySQL: the"
                        + " URL's database). Split across tasks; each table is read by exactly one task.",
                GROUP_TABLES,
                ++order,
                Width.LONG,
                "Tables");
        def.define(
                COLUMN_POSITION,
                Type.STRING,
                "seq",
                new ColumnValidator(),
                Importance.MEDIUM,
                "Column holding the row's position: the table's AUTO_INCREMENT primary key (MariaDB/MySQL) or an"
                        + " identity column (PostgreSQL). Part of the cursor; must be indexed (see the DDL).",
                GROUP_TABLES,
                ++order,
                Width.SHORT,
                "Position column");
        def.define(
                COLUMN_TXID,
                Type.STRING,
                "txid",
                new ColumnValidator(),
                Importance.MEDIUM,
                "PostgreSQL only: xid8 column defaulting to pg_current_xact_id(), the first part of the cursor;"
                        + " indexed together with the position column.",
                GROUP_TABLES,
                ++order,
                Width.SHORT,
                "Transaction id column");
        def.define(
                WRITERS_SUFFIX,
                Type.STRING,
                "_writers",
                new ColumnValidator(),
                Importance.LOW,
                "MariaDB/MySQL only: each outbox table's writers table (the slots its trigger locks) is in the same"
                        + " database and named after it plus this suffix: outbox_writers for outbox. The task reads it"
                        + " (SELECT) to settle a position missing among the committed rows.",
                GROUP_TABLES,
                ++order,
                Width.SHORT,
                "Writers table suffix");
        def.define(
                COLUMN_CREATED,
                Type.STRING,
                "",
                Importance.LOW,
                "Optional column with the row's insert time (a timestamp defaulting to the current time), used only"
                        + " for the metric OldestPendingAgeMs. Empty: the metric reports -1.",
                GROUP_TABLES,
                ++order,
                Width.SHORT,
                "Created-at column");
        def.define(
                TOPIC_PREFIX,
                Type.STRING,
                "outbox",
                new ConfigDef.NonEmptyString(),
                Importance.MEDIUM,
                "Prefix of the topic each flat row is addressed to before the router routes it"
                        + " (<prefix>.<schema>.<table>). With the shipped configs no record reaches it.",
                GROUP_TABLES,
                ++order,
                Width.MEDIUM,
                "Row topic prefix");
        order = 0;
        def.define(
                POLL_INTERVAL_MS,
                Type.LONG,
                100L,
                ConfigDef.Range.between(1, 60_000),
                Importance.MEDIUM,
                "The least time between two queries of a table while it keeps up (the last query found fewer than"
                        + " batch.max.rows rows): an idle poll is one indexed query per table, and under a steady load"
                        + " each poll (with exactly-once, each Kafka transaction) carries an interval's rows. After a"
                        + " full batch the next query runs at once. Latency only: correctness does not depend on it.",
                GROUP_POLLING,
                ++order,
                Width.SHORT,
                "Poll interval (ms)");
        def.define(
                BATCH_MAX_ROWS,
                Type.INT,
                1000,
                ConfigDef.Range.between(1, 100_000),
                Importance.LOW,
                "Most rows read from one table in one query.",
                GROUP_POLLING,
                ++order,
                Width.SHORT,
                "Batch size");
        def.define(
                RETRY_BACKOFF_MS,
                Type.LONG,
                1000L,
                ConfigDef.Range.between(0, 600_000),
                Importance.LOW,
                "Wait before reconnecting after the database was unreachable (the task keeps running and retries).",
                GROUP_POLLING,
                ++order,
                Width.SHORT,
                "Retry backoff (ms)");
        order = 0;
        def.define(
                CLEANUP_MODE,
                Type.STRING,
                "delete",
                ConfigDef.CaseInsensitiveValidString.in("delete", "none"),
                Importance.MEDIUM,
                "delete: remove rows once Connect's committed offset has passed them, in bounded batches (the"
                        + " default, so the outbox does not grow). none: keep rows; then the table needs a retention"
                        + " job of its own (see README).",
                GROUP_CLEANUP,
                ++order,
                Width.SHORT,
                "Cleanup");
        def.define(
                CLEANUP_BATCH_ROWS,
                Type.INT,
                500,
                ConfigDef.Range.between(1, 100_000),
                Importance.LOW,
                "Most rows one DELETE statement removes (each its own short transaction: no long locks).",
                GROUP_CLEANUP,
                ++order,
                Width.SHORT,
                "Cleanup batch");
        def.define(
                CLEANUP_INTERVAL_MS,
                Type.LONG,
                1000L,
                ConfigDef.Range.between(1, 3_600_000),
                Importance.LOW,
                "How often a task reads Connect's committed offsets and deletes the rows behind them (at most"
                        + " cleanup.batch.rows x 20 rows a table a run), and measures the oldest pending row's age; on"
                        + " a thread and a database connection of its own, so deleting never holds up reading.",
                GROUP_CLEANUP,
                ++order,
                Width.SHORT,
                "Cleanup interval (ms)");
        return def;
    }

    private static final class JdbcUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String url = value == null ? "" : value.toString().trim();
            if (!Dialect.isSupported(url)) {
                throw new ConfigException(
                        name, Dialect.redact(url), "must start with jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:");
            }
        }

        @Override
        public String toString() {
            return "jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql: URL";
        }
    }

    private static final class TablesValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> tables = (List<String>) value;
            if (tables == null || tables.isEmpty()) {
                throw new ConfigException(name, value, "at least one outbox table is required");
            }
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String table : tables) {
                TableName parsed;
                try {
                    parsed = TableName.parse(table);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, table, e.getMessage());
                }
                if (!seen.add(parsed.toString())) {
                    throw new ConfigException(name, table, "listed twice");
                }
            }
        }

        @Override
        public String toString() {
            return "non-empty list of [schema.]table";
        }
    }

    private static final class ColumnValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || !COLUMN.matcher(value.toString()).matches()) {
                throw new ConfigException(name, value, "not a plain column name");
            }
        }

        @Override
        public String toString() {
            return "column name";
        }
    }
}
