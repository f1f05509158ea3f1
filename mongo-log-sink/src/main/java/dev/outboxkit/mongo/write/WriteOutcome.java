package dev.outboxkit.mongo.write;

import java.util.ArrayList;
import java.util.List;

import dev.outboxkit.mongo.convert.EventDocument;

/** What one bulk write did: documents stored, duplicates skipped, and documents MongoDB rejected for good. */
final class WriteOutcome {

    /** A document MongoDB will never take, with the reason (never the document). */
    record Rejected(EventDocument event, String reason) {}

    int stored;
    int duplicates;
    final List<Rejected> rejected = new ArrayList<>();
}
