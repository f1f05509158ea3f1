package dev.outboxkit.mongo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoClient;

import dev.outboxkit.mongo.metrics.PluginMetricsBinding;
import dev.outboxkit.mongo.metrics.SinkMetrics;
import dev.outboxkit.mongo.write.CommitGuard;
import dev.outboxkit.mongo.write.EventLogWriter;
import dev.outboxkit.mongo.write.RetryPolicy;
import dev.outboxkit.mongo.write.TransientWriteException;

/**
 * The task's lifecycle only: start builds the client and the {@link EventLogWriter} (without waiting for MongoDB),
 * put hands it each batch and turns a transient MongoDB failure into a {@link RetriableException} with back-off
 * (the task stays RUNNING and the worker redelivers the batch), stop closes the client.
 *
 * <p>Offsets: {@code put} is synchronous. When it returns, every record the worker handed it is in MongoDB or in the
 * dead letter queue; when it throws, the worker does not advance. So the offsets the worker tracks itself, by the
 * partitions its consumer reads (whatever a transform renamed, and including records a transform filtered out or a
 * tolerated converter error skipped), are the acknowledged positions, and {@code preCommit} commits them, held back
 * only where the worker offers an offset past a record handed to a put that failed and was never stored since
 * ({@link CommitGuard}: a rebalance during a retry can leave the worker with such offsets).
 */
public class MongoLogSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(MongoLogSinkTask.class);

    private MongoClient client;
    private EventLogWriter writer;
    private RetryPolicy retry;
    private SinkMetrics metrics;
    private final CommitGuard commits = new CommitGuard();

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        SinkConfig config = new SinkConfig(props);
        String connector = props.getOrDefault("name", "mongo-log-sink");
        String taskId = props.getOrDefault(MongoLogSinkConnector.TASK_ID, "0");
        client = MongoClientFactory.create(config.connectionString());
        metrics = new SinkMetrics();
        metrics.registerMBean(connector, taskId);
        PluginMetricsBinding.bind(context, metrics);
        writer = new EventLogWriter(
                config,
                client.getDatabase(config.database()),
                errantRecordReporter(),
                metrics,
                connector + "-" + taskId);
        retry = new RetryPolicy(config.retryBackoffInitialMs(), config.retryBackoffMaxMs(), config.retryTimeoutMs());
        writer.prepareAtStart(knownCollections(config, props.get("topics")));
        if (config.eventIdSources().stream().anyMatch(source -> source.readsHeader())
                && config.headerConverter() == null) {
            log.info(
                    "Event ids are read from headers and this connector leaves header.converter to the worker. Unless the"
                            + " worker's is org.apache.kafka.connect.storage.StringConverter, ids that look like numbers or dates"
                            + " arrive re-typed and go to the dead letter queue; set header.converter on the connector.");
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        long attemptStartedMs = System.currentTimeMillis();
        try {
            writer.write(records);
            commits.stored(records);
            retry.onSuccess();
            metrics.recordRecovered();
        } catch (RuntimeException e) {
            commits.failed(records);
            throw e;
        } catch (TransientWriteException e) {
            commits.failed(records);
            long backoffMs = retry.onFailure(System.currentTimeMillis(), e.getMessage(), e.retryAfterMs());
            metrics.recordRetry(attemptStartedMs);
            log.warn(
                    "MongoDB is not taking writes ({}); retrying {} records in {} ms (attempt {})",
                    e.getMessage(),
                    records.size(),
                    backoffMs,
                    retry.attempts());
            context.timeout(backoffMs);
            throw new RetriableException(e.getMessage(), e);
        }
    }

    /** The worker's offsets, never past a record this task was handed and has not stored (see {@link CommitGuard}). */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return commits.limit(currentOffsets);
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
        }
        if (metrics != null) {
            metrics.unregisterMBean();
        }
        if (client != null) {
            client.close();
        }
    }

    /** The worker's dead letter reporter, or null when none is configured (or the worker predates it). */
    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null;
        }
    }

    /** With a topic-only collection template and a fixed topic list, collections are known at start. */
    private static List<String> knownCollections(SinkConfig config, String topics) {
        List<String> collections = new ArrayList<>();
        if (topics == null || topics.isBlank() || !config.collection().dependsOnTopicOnly()) {
            return collections;
        }
        for (String topic : topics.split(",")) {
            collections.add(config.collection().resolve(topic.trim(), null, null));
        }
        return collections;
    }
}
