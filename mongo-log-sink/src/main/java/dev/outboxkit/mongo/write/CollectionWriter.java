package dev.outboxkit.mongo.write;

import java.util.List;

import dev.outboxkit.mongo.convert.EventDocument;

/**
 * A write strategy: stores one collection's events of a batch and sorts every result by the
 * {@link FailureClassifier}'s verdict (stored, duplicate, rejected with a reason), or throws
 * {@link TransientWriteException} to retry the batch and {@link org.apache.kafka.connect.errors.ConnectException} to
 * stop the task.
 */
interface CollectionWriter {

    WriteOutcome write(String collection, List<EventDocument> events) throws TransientWriteException;
}
