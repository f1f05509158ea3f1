package dev.outboxkit.quickstart;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.outboxkit.reconcile.Reconciler;
import dev.outboxkit.testkit.connect.SinkMetricsReader;
import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * The report at the end of a run: what was committed, what reached Kafka and MongoDB, gaps, latency at the offered
 * rate, and the highest sustained rate (flat out).
 */
final class PipelineReport {

    /** The orders written at a fixed offered rate: the rate asked for, the rate committed, their latencies in ms. */
    record Paced(int orders, double offered, double committed, List<Long> latencies) {}

    /**
     * The orders written flat out: the rate the writer committed them at, and when the first was committed and the
     * last stored (ms).
     */
    record FlatOut(int orders, double committed, long startedMs, long lastStoredMs) {

        /** Orders a second from the first commit to the last event stored: what every stage sustained together. */
        double sustained() {
            return orders / (Math.max(1, lastStoredMs - startedMs) / 1000.0);
        }
    }

    private static final PrintStream OUT = System.out;

    private PipelineReport() {}

    static void print(
            int committed,
            Reconciler.Result check,
            long storedThisRun,
            List<String> missingIds,
            long strays,
            Paced paced,
            FlatOut flatOut,
            long newTypesMs,
            ReadModelCheck readModel) {
        List<Long> latencies = new ArrayList<>(paced.latencies());
        latencies.sort(Long::compare);
        int orders = committed - OutboxWorkload.AGGREGATE_TYPES.size();
        long duplicates;
        try {
            duplicates = SinkMetricsReader.sum("mongo-log-sink", "DuplicatesSkipped");
        } catch (IllegalStateException e) {
            duplicates = -1; // The report goes on without this one figure.
        }
        OUT.println();
        OUT.println("Report");
        OUT.println(String.format(
                Locale.ROOT,
                "  events committed            %,d (%d opening events, one per aggregate type, and" + " %,d orders)",
                committed,
                OutboxWorkload.AGGREGATE_TYPES.size(),
                orders));
        OUT.println(String.format(Locale.ROOT, "  events on Kafka topics      %,d", check.topicEvents()));
        OUT.println(String.format(
                Locale.ROOT,
                "  events in MongoDB           %,d%s",
                storedThisRun,
                check.documents() > storedThisRun
                        ? String.format(Locale.ROOT, " (plus %,d from earlier runs)", check.documents() - storedThisRun)
                        : ""));
        OUT.println(String.format(Locale.ROOT, "  duplicates skipped (sink)   %,d", duplicates));
        long missing = missingIds.size();
        OUT.println(String.format(
                Locale.ROOT,
                "  missing in MongoDB          %,d%s",
                missing,
                missing == 0
                        ? ""
                        : "  [" + String.join(", ", missingIds.subList(0, Math.min(5, missingIds.size()))) + "]"));
        OUT.println(String.format(Locale.ROOT, "  in MongoDB, on no topic     %,d", strays));
        OUT.println(String.format(
                Locale.ROOT,
                "  new aggregate types         first event in MongoDB after %,d ms (a new topic,"
                        + " found at the sink's next metadata refresh)",
                newTypesMs));
        OUT.println(String.format(
                Locale.ROOT,
                "  commit-to-MongoDB latency   p50 %,d ms, p95 %,d ms, p99 %,d ms, max %,d ms (%,d orders offered at %,.0f/s,"
                        + " committed at %,.0f/s; resolution ~%d ms)",
                ArrivalTracker.percentile(latencies, 50),
                ArrivalTracker.percentile(latencies, 95),
                ArrivalTracker.percentile(latencies, 99),
                latencies.isEmpty() ? -1 : latencies.get(latencies.size() - 1),
                paced.orders(),
                paced.offered(),
                paced.committed(),
                ArrivalTracker.POLL_MS));
        if (paced.committed() < 0.95 * paced.offered()) {
            OUT.println(String.format(
                    Locale.ROOT,
                    "                              the database committed only %,.0f of the %,.0f orders a second offered:"
                            + " try a lower --rate",
                    paced.committed(),
                    paced.offered()));
        }
        if (flatOut != null) {
            OUT.println(String.format(
                    Locale.ROOT,
                    "  highest sustained rate      %,.0f events/s (%,d orders flat out, committed at %,.0f/s: first commit"
                            + " to last event stored)",
                    flatOut.sustained(),
                    flatOut.orders(),
                    flatOut.committed()));
        }
        boolean readModelCurrent = readModel.atLatest() == readModel.aggregates();
        OUT.println(String.format(
                Locale.ROOT,
                "  read model                  %d aggregates in %s, %d at their latest event%s",
                readModel.aggregates(),
                Main.READ_MODEL_DATABASE,
                readModel.atLatest(),
                readModelCurrent ? "" : "  [behind: " + String.join(", ", readModel.behindSample()) + "]"));
        OUT.println(
                missing == 0 && strays == 0 && readModelCurrent
                        ? "  result                      OK: every committed event is in MongoDB exactly once, and the read model"
                                + " holds each aggregate's latest event"
                        : "  result                      FAILED: see the gaps above");
    }
}
