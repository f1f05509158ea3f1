package dev.outboxkit.mongo.write;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.mongo.SinkConfig;
import dev.outboxkit.mongo.SinkConfig.WriteMode;
import dev.outboxkit.mongo.convert.ConversionException;
import dev.outboxkit.mongo.convert.EventDocument;
import dev.outboxkit.mongo.convert.EventDocumentConverter;
import dev.outboxkit.mongo.metrics.SinkMetrics;

/**
 * What a started task does with a batch, in four stages: {@link #convert} every record (a record that fails is set
 * aside with its reason, whatever the failure), {@link #storeAll} each collection's events with one unordered bulk
 * write (several collections at once, up to write.parallelism), {@link #deadLetter} the records that can never be stored and wait until the dead letter queue has them,
 * then {@link #account} for the batch in the metrics. When {@link #write} returns, every record of the batch is
 * in MongoDB or in the dead letter queue, so the offsets the worker tracks for it may be committed.
 *
 * <p>A transient MongoDB failure surfaces as a {@link TransientWriteException} and the whole batch is retried,
 * which is safe because writes are idempotent by event id. Trouble no retry fixes surfaces as a
 * {@link ConnectException} and stops the task. The {@link FailureClassifier} decides which is which.
 */
public final class EventLogWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventLogWriter.class);

    private final EventDocumentConverter converter;
    private final CollectionSetup setup;
    /** The write strategy: the log's insert or replace, or the read model's conditional upsert. */
    private final CollectionWriter bulk;

    private final ErrantRecordReporter reporter;
    private final SinkMetrics metrics;
    /** Writes the collections of a batch at the same time; null when write.parallelism is 1. */
    private final ExecutorService pool;

    public EventLogWriter(
            SinkConfig config,
            MongoDatabase database,
            ErrantRecordReporter reporter,
            SinkMetrics metrics,
            String taskLabel) {
        this.converter = new EventDocumentConverter(config);
        boolean latest = config.writeMode() == WriteMode.LATEST;
        this.setup = latest
                ? new CollectionSetup(
                        database,
                        false,
                        EventDocumentConverter.DELETED_AT,
                        CollectionSetup.TOMBSTONE_TTL_INDEX,
                        config.tombstoneTtlSeconds(),
                        "outboxkit-index-setup-" + taskLabel,
                        System::currentTimeMillis,
                        CollectionSetup.MAX_REMEMBERED)
                : new CollectionSetup(
                        database,
                        config.createIndexes(),
                        config.ttlSeconds(),
                        "outboxkit-index-setup-" + taskLabel,
                        System::currentTimeMillis);
        this.bulk = latest ? new ReadModelWriter(database) : new BulkEventWriter(database, config.writeMode());
        this.reporter = reporter;
        this.metrics = metrics;
        this.pool = config.writeParallelism() > 1
                ? Executors.newFixedThreadPool(
                        config.writeParallelism(), daemonThreads("outboxkit-writer-" + taskLabel))
                : null;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Asks, without waiting, for the indexes of collections known at start (see {@link CollectionSetup#ensureAtStart}). */
    public void prepareAtStart(Iterable<String> knownCollections) {
        setup.ensureAtStart(knownCollections);
    }

    public void write(Collection<SinkRecord> records) throws TransientWriteException {
        if (records.isEmpty()) {
            return;
        }
        Batch batch = convert(records);
        for (WriteOutcome outcome : storeAll(batch.byCollection)) {
            batch.stored += outcome.stored;
            batch.duplicates += outcome.duplicates;
            for (WriteOutcome.Rejected rejected : outcome.rejected) {
                batch.failures.add(new RecordFailure(rejected.event().record(), rejected.reason()));
            }
        }
        deadLetter(batch.failures);
        account(batch, records);
    }

    /**
     * Writes each collection's events with one bulk write, up to write.parallelism collections at a time, and returns
     * only when every write has ended: nothing of this batch is still being written when the batch succeeds or fails.
     * A failure that stops the task wins over a transient one, which wins over success; after a transient failure the
     * whole batch is retried, and the collections already written count their events as duplicates then.
     */
    private List<WriteOutcome> storeAll(Map<String, List<EventDocument>> byCollection) throws TransientWriteException {
        List<WriteOutcome> outcomes = new ArrayList<>(byCollection.size());
        if (byCollection.size() == 1 || pool == null) {
            for (Map.Entry<String, List<EventDocument>> group : byCollection.entrySet()) {
                outcomes.add(store(group.getKey(), group.getValue()));
            }
            return outcomes;
        }
        List<Future<WriteOutcome>> writes = new ArrayList<>(byCollection.size());
        for (Map.Entry<String, List<EventDocument>> group : byCollection.entrySet()) {
            writes.add(pool.submit(() -> store(group.getKey(), group.getValue())));
        }
        Throwable stop = null;
        TransientWriteException transientFailure = null;
        for (Future<WriteOutcome> write : writes) {
            try {
                outcomes.add(awaitUninterruptibly(write));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TransientWriteException t) {
                    transientFailure = transientFailure == null || t.retryAfterMs() > transientFailure.retryAfterMs()
                            ? t
                            : transientFailure;
                } else {
                    stop = stop == null ? e.getCause() : stop;
                }
            }
        }
        if (stop instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (stop instanceof Error error) {
            throw error;
        }
        if (stop != null) {
            throw new ConnectException("Writing a collection failed", stop);
        }
        if (transientFailure != null) {
            throw transientFailure;
        }
        return outcomes;
    }

    /** The write's result; a task being stopped still waits for its writes, which end within the driver's timeouts. */
    private static WriteOutcome awaitUninterruptibly(Future<WriteOutcome> write) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return write.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The records of one batch sorted into events by collection (in record order) and failures. */
    private static final class Batch {
        final Map<String, List<EventDocument>> byCollection = new LinkedHashMap<>();
        final List<RecordFailure> failures = new ArrayList<>();
        int stored;
        int duplicates;
    }

    private Batch convert(Collection<SinkRecord> records) {
        Batch batch = new Batch();
        for (SinkRecord record : records) {
            try {
                EventDocument event = converter.convert(record);
                batch.byCollection
                        .computeIfAbsent(event.collection(), c -> new ArrayList<>())
                        .add(event);
            } catch (ConversionException e) {
                batch.failures.add(new RecordFailure(record, e.getMessage()));
            } catch (RuntimeException | StackOverflowError e) {
                // A failure the converter did not foresee is still this record's alone; its message may quote data.
                batch.failures.add(new RecordFailure(
                        record,
                        "converting it failed unexpectedly (" + e.getClass().getName() + ")"));
            }
        }
        return batch;
    }

    private WriteOutcome store(String collection, List<EventDocument> events) throws TransientWriteException {
        setup.ensure(collection);
        long started = System.nanoTime();
        WriteOutcome outcome = bulk.write(collection, events);
        metrics.recordBulkWrite(System.nanoTime() - started);
        return outcome;
    }

    /**
     * Sends records that can never be stored to the dead letter queue and waits until it has them, so their
     * offsets may be committed. Without a reporter (errors.tolerance=none) the task fails on the first of them.
     */
    private void deadLetter(List<RecordFailure> failures) {
        if (failures.isEmpty()) {
            return;
        }
        if (reporter == null) {
            RecordFailure first = failures.get(0);
            throw new ConnectException(first.describe()
                    + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more records in this batch)" : "")
                    + ". Configure errors.tolerance=all with"
                    + " errors.deadletterqueue.topic.name to divert such records instead of failing.");
        }
        List<Future<Void>> pending = new ArrayList<>(failures.size());
        for (RecordFailure failure : failures) {
            log.warn("Sending a record to the dead letter queue: {}", failure.describe());
            pending.add(reporter.report(failure.record(), new DataException(failure.describe())));
        }
        for (int i = 0; i < pending.size(); i++) {
            try {
                pending.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while waiting for the dead letter queue", e);
            } catch (ExecutionException e) {
                throw new ConnectException(
                        "The dead letter queue did not take a record ("
                                + failures.get(i).describe() + "); stopping, so that no offset is committed past it",
                        e.getCause());
            }
        }
    }

    private void account(Batch batch, Collection<SinkRecord> records) {
        metrics.recordWritten(batch.stored);
        metrics.recordDuplicates(batch.duplicates);
        metrics.recordDeadLettered(batch.failures.size());
        SinkRecord last = null;
        for (SinkRecord record : records) {
            last = record;
        }
        if (last != null && last.timestamp() != null) {
            metrics.recordLag(last.timestamp(), System.currentTimeMillis());
        }
        if (log.isDebugEnabled()) {
            log.debug(
                    "Batch of {} records: {} stored, {} duplicates, {} dead-lettered",
                    records.size(),
                    batch.stored,
                    batch.duplicates,
                    batch.failures.size());
        }
    }

    @Override
    public void close() {
        setup.close();
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** A record that can never be stored, and why (never its contents). */
    private record RecordFailure(SinkRecord record, String reason) {
        String describe() {
            return "Record " + record.originalTopic() + "-" + record.originalKafkaPartition() + "@"
                    + record.originalKafkaOffset() + " cannot be stored: " + reason;
        }
    }
}
