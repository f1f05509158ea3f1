package dev.outboxkit.mongo.write;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.mongo.SinkConfig;
import dev.outboxkit.mongo.convert.ConversionException;
import dev.outboxkit.mongo.convert.EventDocument;
import dev.outboxkit.mongo.convert.EventDocumentConverter;
import dev.outboxkit.mongo.metrics.SinkMetrics;

/**
 * Everything a started task does with a batch: convert each record, group by collection keeping order, write
 * each group with one unordered bulk write, report records that can never be stored, and only then acknowledge
 * the batch's offsets. A transient MongoDB failure leaves the offsets where they were and surfaces as a
 * {@link TransientWriteException}; the whole batch is then retried, which is safe because writes are idempotent
 * by event id.
 */
public final class EventLogWriter {

    private static final Logger log = LoggerFactory.getLogger(EventLogWriter.class);

    private final EventDocumentConverter converter;
    private final CollectionSetup setup;
    private final BulkEventWriter bulk;
    private final ErrantRecordReporter reporter;
    private final AcknowledgedOffsets acknowledged;
    private final SinkMetrics metrics;

    public EventLogWriter(SinkConfig config, MongoDatabase database, ErrantRecordReporter reporter,
                          AcknowledgedOffsets acknowledged, SinkMetrics metrics) {
        this.converter = new EventDocumentConverter(config);
        this.setup = new CollectionSetup(database, config.createIndexes(), config.ttlSeconds());
        this.bulk = new BulkEventWriter(database, config.writeMode());
        this.reporter = reporter;
        this.acknowledged = acknowledged;
        this.metrics = metrics;
    }

    /** Creates a collection's indexes ahead of its first write. */
    public void prepare(String collection) throws TransientWriteException {
        setup.ensure(collection);
    }

    public void write(Collection<SinkRecord> records) throws TransientWriteException {
        if (records.isEmpty()) {
            return;
        }
        List<Failure> failures = new ArrayList<>();
        Map<String, List<EventDocument>> byCollection = new LinkedHashMap<>();
        for (SinkRecord record : records) {
            try {
                EventDocument event = converter.convert(record);
                byCollection.computeIfAbsent(event.collection(), c -> new ArrayList<>()).add(event);
            } catch (ConversionException e) {
                failures.add(new Failure(record, e.getMessage()));
            }
        }
        int stored = 0;
        int duplicates = 0;
        for (Map.Entry<String, List<EventDocument>> group : byCollection.entrySet()) {
            setup.ensure(group.getKey());
            long started = System.nanoTime();
            WriteOutcome outcome = bulk.write(group.getKey(), group.getValue());
            metrics.recordBulkWrite(System.nanoTime() - started);
            stored += outcome.stored;
            duplicates += outcome.duplicates;
            for (WriteOutcome.Rejected rejected : outcome.rejected) {
                failures.add(new Failure(rejected.event().record(), rejected.reason()));
            }
        }
        report(failures);
        acknowledged.acknowledge(records);

        long now = System.currentTimeMillis();
        metrics.recordWritten(stored);
        metrics.recordDuplicates(duplicates);
        metrics.recordDeadLettered(failures.size());
        SinkRecord last = null;
        for (SinkRecord record : records) {
            last = record;
        }
        if (last != null && last.timestamp() != null) {
            metrics.recordLag(last.timestamp(), now);
        }
        if (log.isDebugEnabled()) {
            log.debug("Batch of {} records: {} stored, {} duplicates, {} reported", records.size(), stored, duplicates,
                    failures.size());
        }
    }

    /**
     * Sends records that can never be stored to the dead letter queue and waits until it has them, so their
     * offsets may be committed. Without a reporter (no DLQ configured) the task fails on the first of them.
     */
    private void report(List<Failure> failures) {
        if (failures.isEmpty()) {
            return;
        }
        if (reporter == null) {
            Failure first = failures.get(0);
            throw new ConnectException(first.describe() + (failures.size() > 1 ? " (and " + (failures.size() - 1)
                    + " more records in this batch)" : "") + ". Configure errors.tolerance=all with"
                    + " errors.deadletterqueue.topic.name to divert such records instead of failing.");
        }
        List<Future<Void>> pending = new ArrayList<>(failures.size());
        for (Failure failure : failures) {
            log.warn("Sending a record to the dead letter queue: {}", failure.describe());
            pending.add(reporter.report(failure.record(), new DataException(failure.describe())));
        }
        for (Future<Void> future : pending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while waiting for the dead letter queue", e);
            } catch (ExecutionException e) {
                throw new ConnectException("The dead letter queue did not take a record", e.getCause());
            }
        }
    }

    private record Failure(SinkRecord record, String reason) {
        String describe() {
            return "Record " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset()
                    + " cannot be stored: " + reason;
        }
    }
}
