package dev.outboxkit.quickstart;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/**
 * The reconciliation command for operators: event ids on the topics versus documents in MongoDB.
 * <pre>
 * reconcile.sh --bootstrap-servers HOST:PORT --mongo-uri URI --database NAME
 *              [--topics-regex 'outbox\.event\..*'] [--collections a,b] [--id-header id] [--timeout-seconds 60]
 * </pre>
 * Exit status: 0 when both sides hold the same ids, 1 on any gap, 2 on wrong usage.
 */
public final class Reconcile {

    private Reconcile() {
    }

    public static void main(String[] args) {
        String bootstrap = null;
        String mongoUri = null;
        String database = null;
        String topics = "outbox\\.event\\..*";
        String idHeader = "id";
        List<String> collections = new ArrayList<>();
        long timeoutSeconds = 60;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--bootstrap-servers" -> bootstrap = args[++i];
                    case "--mongo-uri" -> mongoUri = args[++i];
                    case "--database" -> database = args[++i];
                    case "--topics-regex" -> topics = args[++i];
                    case "--collections" -> collections.addAll(Arrays.asList(args[++i].split(",")));
                    case "--id-header" -> idHeader = args[++i];
                    case "--timeout-seconds" -> timeoutSeconds = Long.parseLong(args[++i]);
                    case "-h", "--help" -> usage(null);
                    default -> usage("unknown option " + args[i]);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            usage("option " + args[args.length - 1] + " needs a value");
        }
        if (bootstrap == null || mongoUri == null || database == null) {
            usage("--bootstrap-servers, --mongo-uri and --database are required");
        }
        try (MongoClient mongo = MongoClients.create(mongoUri)) {
            Reconciler.Result result = Reconciler.reconcile(bootstrap, Pattern.compile(topics), idHeader, mongo, database,
                    collections, Duration.ofSeconds(timeoutSeconds));
            System.out.println("events on topics matching " + topics + ": " + result.topicEvents() + " (" + result.uniqueTopicIds()
                    + " distinct ids)");
            System.out.println("documents in MongoDB database " + database + ": " + result.documents());
            System.out.println("ids missing in MongoDB: " + result.missingInMongo().size()
                    + (result.missingInMongo().isEmpty() ? "" : " [" + Reconciler.sample(result.missingInMongo()) + "]"));
            System.out.println("ids in MongoDB on no topic: " + result.notOnAnyTopic().size()
                    + (result.notOnAnyTopic().isEmpty() ? "" : " [" + Reconciler.sample(result.notOnAnyTopic()) + "]"));
            System.out.println(result.consistent() ? "CONSISTENT" : "GAP FOUND");
            System.exit(result.consistent() ? 0 : 1);
        } catch (RuntimeException e) {
            System.err.println("reconcile failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("reconcile: " + problem);
        }
        System.err.println("usage: reconcile.sh --bootstrap-servers HOST:PORT --mongo-uri URI --database NAME"
                + " [--topics-regex REGEX] [--collections a,b] [--id-header id] [--timeout-seconds 60]");
        System.exit(problem == null ? 0 : 2);
    }
}
