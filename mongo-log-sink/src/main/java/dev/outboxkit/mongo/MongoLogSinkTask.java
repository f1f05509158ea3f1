package dev.outboxkit.mongo;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

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
import dev.outboxkit.mongo.write.AcknowledgedOffsets;
import dev.outboxkit.mongo.write.EventLogWriter;
import dev.outboxkit.mongo.write.RetryPolicy;
import dev.outboxkit.mongo.write.TransientWriteException;

/**
 * The task's lifecycle only: start builds the client and the {@link EventLogWriter}, put hands it each batch and
 * turns a transient MongoDB failure into a {@link RetriableException} with back-off (the task stays RUNNING and
 * the worker redelivers the batch), preCommit answers with acknowledged offsets only, stop closes the client.
 */
public class MongoLogSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(MongoLogSinkTask.class);
    private static final AtomicInteger TASK_SEQUENCE = new AtomicInteger();

    private MongoClient client;
    private EventLogWriter writer;
    private RetryPolicy retry;
    private AcknowledgedOffsets acknowledged;
    private SinkMetrics metrics;

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        SinkConfig config = new SinkConfig(props);
        client = MongoClientFactory.create(config.connectionString());
        acknowledged = new AcknowledgedOffsets();
        metrics = new SinkMetrics();
        metrics.registerMBean(props.getOrDefault("name", "mongo-log-sink"), Integer.toString(TASK_SEQUENCE.incrementAndGet()));
        PluginMetricsBinding.bind(context, metrics);
        writer = new EventLogWriter(config, client.getDatabase(config.database()), errantRecordReporter(), acknowledged, metrics);
        retry = new RetryPolicy(config.retryBackoffInitialMs(), config.retryBackoffMaxMs(), config.retryTimeoutMs());
        prepareKnownCollections(config, props.get("topics"));
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        try {
            writer.write(records);
            retry.onSuccess();
        } catch (TransientWriteException e) {
            long backoffMs = retry.onFailure(System.currentTimeMillis(), e.getMessage());
            metrics.recordRetry();
            log.warn("MongoDB is not taking writes ({}); retrying {} records in {} ms (attempt {})", e.getMessage(),
                    records.size(), backoffMs, retry.attempts());
            context.timeout(backoffMs);
            throw new RetriableException(e.getMessage(), e);
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return acknowledged.forPartitions(currentOffsets.keySet());
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        if (acknowledged != null) {
            acknowledged.forget(partitions);
        }
    }

    @Override
    public void stop() {
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
    private void prepareKnownCollections(SinkConfig config, String topics) {
        if (topics == null || topics.isBlank() || !config.collection().dependsOnTopicOnly()) {
            return;
        }
        for (String topic : topics.split(",")) {
            String collection = config.collection().resolve(topic.trim(), null, null);
            try {
                writer.prepare(collection);
            } catch (TransientWriteException e) {
                log.warn("Could not create the indexes of collection {} at start ({}); will retry before its first write",
                        collection, e.getMessage());
            }
        }
    }
}
