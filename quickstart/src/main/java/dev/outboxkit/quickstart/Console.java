package dev.outboxkit.quickstart;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** What the local pipeline prints while it runs: its steps, the progress bar, and the hints when it keeps running. */
final class Console {

    private static final PrintStream OUT = System.out;
    /** Set by run-pipeline.sh when the JMX exporter agent runs in this JVM (--metrics). */
    private static final String METRICS_URL = System.getProperty("outboxkit.metrics.url");

    private Console() {}

    static void step(String what) {
        OUT.print(String.format("%-52s", what + " ..."));
        OUT.flush();
    }

    static void done(String what, String where) {
        OUT.println(" " + what + " at " + where);
    }

    static void keepRunning(LocalConnect connect, String mongoUri, Path rendered, String sourceName, Path secrets)
            throws InterruptedException {
        String rest = connect.restUrl();
        OUT.println();
        OUT.println("The pipeline keeps running. Press Ctrl-C to stop it.");
        OUT.println("  Kafka Connect REST API   " + rest);
        OUT.println("  Kafka bootstrap servers  " + connect.bootstrapServers());
        OUT.println("  MongoDB                  " + mongoUri + " (database " + Main.EVENTS_DATABASE + ")");
        if (METRICS_URL != null) {
            OUT.println("  Prometheus metrics       " + METRICS_URL + "   (scrape config: ops/prometheus.yml)");
        }
        OUT.println();
        OUT.println("Try:");
        OUT.println("  curl -s " + rest + "/connectors?expand=status");
        OUT.println("  curl -s " + rest + "/connectors/mongo-log-sink/status");
        OUT.println(
                "  curl -s -X POST '" + rest + "/connectors/mongo-log-sink/restart?includeTasks=true&onlyFailed=true'");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/pause");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/resume");
        OUT.println("  curl -s -X PUT " + rest + "/connectors/mongo-log-sink/stop && curl -s -X DELETE " + rest
                + "/connectors/mongo-log-sink/offsets && curl -s -X PUT " + rest + "/connectors/mongo-log-sink/resume"
                + "   # replay: no document changes");
        OUT.println("  connect-configs/register.sh " + rest + " " + rendered.resolve(sourceName + ".json") + " "
                + rendered.resolve("mongo-log-sink.json") + "   # idempotent");
        OUT.println("  ./reconcile.sh --bootstrap-servers " + connect.bootstrapServers() + " --mongo-uri-file "
                + secrets + " --database " + Main.EVENTS_DATABASE);
        new CountDownLatch(1).await();
    }

    /** A one-line progress bar on standard output. */
    static final class ProgressBar {
        private static final int WIDTH = 40;
        private final int total;
        private int done;
        private int shown = -1;

        ProgressBar(int total) {
            this.total = total;
        }

        void advance() {
            done++;
            int filled = (int) ((long) done * WIDTH / total);
            if (filled != shown || done == total) {
                shown = filled;
                OUT.print("\r  [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total
                        + " orders");
                OUT.flush();
            }
        }

        void finish() {
            OUT.println();
        }
    }
}
