package dev.outboxkit.polling;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

import dev.outboxkit.polling.db.Dialect;
import dev.outboxkit.polling.db.SchemaCheck;
import dev.outboxkit.polling.db.TableName;

/**
 * Reads outbox tables over JDBC and emits each row, once its position is safe (no transaction still in flight
 * can precede it), as a flat row for the {@code OutboxEventRouter} ({@code input.format=row}). The cursor lives in
 * Connect's source offsets only, so the connector runs in Kafka Connect's exactly-once source mode (KIP-618).
 * Tables are split across tasks, each read by exactly one task. {@link #validate} checks the database: tables,
 * columns, index, trigger or column default, privileges.
 */
public class OutboxPollingSourceConnector extends SourceConnector {

    private Map<String, String> props;
    private PollingConfig config;

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        this.config = new PollingConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return OutboxPollingSourceTask.class;
    }

    /** Tables round-robin over at most {@code maxTasks} tasks: a table is in exactly one task's list. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<List<TableName>> groups = assign(config.tables(), maxTasks);
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            Map<String, String> task = new HashMap<>(props);
            task.put(
                    PollingConfig.TASK_TABLES,
                    String.join(
                            ",", groups.get(i).stream().map(TableName::toString).toList()));
            task.put(PollingConfig.TASK_ID, Integer.toString(i));
            configs.add(task);
        }
        return configs;
    }

    static List<List<TableName>> assign(List<TableName> tables, int maxTasks) {
        int tasks = Math.min(Math.max(1, maxTasks), tables.size());
        List<List<TableName>> groups = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < tables.size(); i++) {
            groups.get(i % tasks).add(tables.get(i));
        }
        return groups;
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return PollingConfig.CONFIG_DEF;
    }

    /** The cursor is only in Connect's offsets, written in the same Kafka transaction as the records. */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    /** Boundaries are the worker's (per poll or interval): any batch boundary is a valid cursor. */
    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> connectorConfig) {
        return ConnectorTransactionBoundaries.UNSUPPORTED;
    }

    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new HashMap<>();
        for (ConfigValue value : result.configValues()) {
            values.put(value.name(), value);
        }
        boolean optionsValid = result.configValues().stream()
                .allMatch(value -> value.errorMessages().isEmpty());
        if (!optionsValid) {
            return result;
        }
        PollingConfig parsed = new PollingConfig(connectorConfigs);
        ConfigValue url = values.get(PollingConfig.CONNECTION_URL);
        ConfigValue tables = values.get(PollingConfig.TABLES);
        try (Connection connection = parsed.dialect()
                .connect(parsed.url(), parsed.user(), parsed.password().value())) {
            SchemaCheck check = new SchemaCheck(parsed);
            for (TableName table : parsed.tables()) {
                check.check(connection, table).forEach(tables::addErrorMessage);
            }
        } catch (SQLException e) {
            url.addErrorMessage("Cannot connect to " + Dialect.redact(parsed.url()) + " as user '" + parsed.user()
                    + "': " + e.getMessage());
        }
        return result;
    }
}
