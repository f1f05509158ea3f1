package dev.outboxkit.mongo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.bson.Document;

import com.mongodb.ConnectionString;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.client.MongoClient;

import dev.outboxkit.mongo.write.FailureClassifier;

/**
 * Stores outbox events in MongoDB as an event log, effectively once: at-least-once delivery plus de-duplication
 * by event id. {@link #validate} explains every mistake on the option it concerns, including whether MongoDB is
 * reachable. Offsets may be reset or altered freely: in insert mode replaying events changes nothing stored (see
 * the README for replace mode and retention).
 */
public class MongoLogSinkConnector extends SinkConnector {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MongoLogSinkConnector.class);

    /** Carries the Connect task id into each task's config (the JMX key and the index thread's name). */
    static final String TASK_ID = "outboxkit.task.id";

    private Map<String, String> props;

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new SinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return MongoLogSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> config = new HashMap<>(props);
            config.put(TASK_ID, Integer.toString(i));
            configs.add(config);
        }
        return configs;
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return SinkConfig.CONFIG_DEF;
    }

    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new HashMap<>();
        for (ConfigValue value : config.configValues()) {
            values.put(value.name(), value);
        }
        checkBackoffOrder(values);
        checkRetentionWithReadModel(values);
        checkReachable(values);
        return config;
    }

    /** Replaying or skipping events is safe for an idempotent event log: any offset change is accepted. */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        return true;
    }

    private static void checkBackoffOrder(Map<String, ConfigValue> values) {
        ConfigValue initial = values.get(SinkConfig.RETRY_BACKOFF_INITIAL_MS);
        ConfigValue max = values.get(SinkConfig.RETRY_BACKOFF_MAX_MS);
        if (initial.errorMessages().isEmpty()
                && max.errorMessages().isEmpty()
                && initial.value() != null
                && max.value() != null
                && (Long) max.value() < (Long) initial.value()) {
            max.addErrorMessage(
                    "Must not be less than " + SinkConfig.RETRY_BACKOFF_INITIAL_MS + " (" + initial.value() + ")");
        }
    }

    /** Log retention would delete a read model's current aggregates; tombstones have their own retention. */
    private static void checkRetentionWithReadModel(Map<String, ConfigValue> values) {
        ConfigValue mode = values.get(SinkConfig.WRITE_MODE);
        ConfigValue ttl = values.get(SinkConfig.TTL_SECONDS);
        if (mode.errorMessages().isEmpty()
                && ttl.errorMessages().isEmpty()
                && mode.value() != null
                && ttl.value() != null
                && "latest".equalsIgnoreCase(((String) mode.value()).trim())
                && (Long) ttl.value() > 0) {
            ttl.addErrorMessage(
                    "Must be 0 with " + SinkConfig.WRITE_MODE + "=latest: it would delete aggregates that are"
                            + " still current; " + SinkConfig.TOMBSTONE_TTL_SECONDS + " purges deleted ones");
        }
    }

    /**
     * Asks MongoDB for a ping within the validation timeout. Mistakes that no waiting fixes (credentials refused, an
     * unusable connection string) are errors on connection.uri, without the URI. MongoDB being unreachable is not:
     * an operator must be able to change a config during an outage (the task retries until MongoDB is back).
     */
    private static void checkReachable(Map<String, ConfigValue> values) {
        ConfigValue uri = values.get(SinkConfig.CONNECTION_URI);
        ConfigValue database = values.get(SinkConfig.DATABASE);
        ConfigValue timeout = values.get(SinkConfig.VALIDATE_TIMEOUT_MS);
        if (!uri.errorMessages().isEmpty()
                || uri.value() == null
                || !timeout.errorMessages().isEmpty()) {
            return;
        }
        long timeoutMs = (Long) timeout.value();
        String databaseName =
                database.errorMessages().isEmpty() && database.value() != null ? (String) database.value() : "admin";
        try (MongoClient client =
                MongoClientFactory.create(new ConnectionString(((Password) uri.value()).value()), timeoutMs)) {
            client.getDatabase(databaseName).runCommand(new Document("ping", 1));
        } catch (MongoException e) {
            if (FailureClassifier.isNetworkFailure(e)) {
                log.warn(
                        "MongoDB did not answer the connection check within {} ms ({}); the config is accepted and the task"
                                + " will retry until MongoDB is reachable",
                        timeoutMs,
                        e.getClass().getSimpleName());
            } else if (e instanceof MongoSecurityException) {
                uri.addErrorMessage("MongoDB refused the credentials in this connection string");
            } else {
                uri.addErrorMessage("MongoDB answered the connection check with an error ("
                        + e.getClass().getSimpleName() + ", code " + e.getCode() + ")");
            }
        } catch (IllegalArgumentException e) {
            uri.addErrorMessage(
                    "The connection string is not usable: " + e.getClass().getSimpleName());
        }
    }
}
