package dev.outboxkit.reconcile;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import dev.outboxkit.cli.Commands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The reconciliation command for operators: event ids on the topics versus documents in MongoDB, in constant
 * memory (see {@link Reconciler}). The MongoDB URI, which carries the password, comes from {@code MONGODB_URI} or
 * a file, never from the command line (every user of the machine sees it in the process list).
 * <pre>
 * reconcile.sh --bootstrap-servers HOST:PORT --database NAME [--mongo-uri-file FILE] [--since 24h|2026-11-20T00:00:00Z]
 *              [--topics-regex 'outbox\.event\..*'] [--collections a,b] [--id-header id] [--batch-size 5000]
 *              [--timeout-seconds 60] [--json]
 * </pre>
 * Exit status: 0 when both sides hold the same ids, 1 on any gap or failure, 2 on wrong usage.
 */
public final class Reconcile {

    static final String URI_ENV = "MONGODB_URI";
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)([smhd])");

    record Options(
            String bootstrap,
            String mongoUri,
            String database,
            Pattern topics,
            List<String> collections,
            String idHeader,
            Instant since,
            int batchSize,
            Duration timeout,
            boolean json) {}

    private Reconcile() {}

    @Command(
            name = "reconcile.sh",
            sortOptions = false,
            description = {
                "Compares the event ids on the outbox topics with the documents in the MongoDB event log, in constant memory.",
                "The MongoDB URI: environment variable " + URI_ENV
                        + ", or --mongo-uri-file FILE (the URI alone, or a properties",
                "file with mongodb.uri, such as the workers' secrets file); never on the command line.",
                "Exit status: 0 consistent, 1 a gap (or a failure), 2 wrong usage."
            })
    static final class Arguments {
        @Option(
                names = "--bootstrap-servers",
                required = true,
                paramLabel = "HOST:PORT",
                description = "the Kafka cluster")
        String bootstrap;

        @Option(
                names = "--database",
                required = true,
                paramLabel = "NAME",
                description = "the MongoDB database of the event log")
        String database;

        @Option(
                names = "--mongo-uri-file",
                paramLabel = "FILE",
                description = "the MongoDB URI, or a properties file with mongodb.uri")
        Path uriFile;

        @Option(names = "--mongo-uri", hidden = true)
        String refusedUri;

        @Option(
                names = "--since",
                paramLabel = "WHEN",
                description = "only events from then on: 24h, 90m, 7d, or an instant like 2026-11-20T00:00:00Z")
        String since;

        @Option(
                names = "--topics-regex",
                paramLabel = "RE",
                defaultValue = "outbox\\.event\\..*",
                description = "topics to read (default ${DEFAULT-VALUE})")
        String topics;

        @Option(
                names = "--collections",
                split = ",",
                paramLabel = "a,b",
                description = "collections to read (default: all in the database)")
        List<String> collections = new ArrayList<>();

        @Option(
                names = "--id-header",
                paramLabel = "NAME",
                defaultValue = "id",
                description = "the header holding the event id (default ${DEFAULT-VALUE})")
        String idHeader;

        @Option(
                names = "--batch-size",
                paramLabel = "N",
                defaultValue = "5000",
                description = "ids looked up per MongoDB query, records per poll (default ${DEFAULT-VALUE})")
        int batchSize;

        @Option(
                names = "--timeout-seconds",
                paramLabel = "N",
                defaultValue = "60",
                description = "longest wait for Kafka without progress (default ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Option(
                names = "--json",
                description = "one JSON object on standard output, for a cron job or a Kubernetes CronJob")
        boolean json;
    }

    public static void main(String[] args) {
        Commands.parseOrExit("reconcile.sh", new Arguments(), args);
        Options options;
        try {
            options = parse(args, System.getenv(URI_ENV), Instant.now());
        } catch (IllegalArgumentException e) {
            System.err.println("reconcile.sh: " + e.getMessage() + " (see reconcile.sh --help)");
            System.exit(Commands.USAGE);
            return;
        }
        System.exit(run(options, System.out, System.err));
    }

    /** The options, or null when help was asked for; wrong usage throws with a message that names the option. */
    static Options parse(String[] args, String uriFromEnvironment, Instant now) {
        Commands.Parsed<Arguments> parsed;
        try {
            parsed = Commands.parse("reconcile.sh", new Arguments(), args);
        } catch (Commands.UsageError e) {
            throw new IllegalArgumentException(e.getMessage().substring("reconcile.sh: ".length()), e);
        }
        if (parsed.helpRequested()) {
            return null;
        }
        Arguments command = parsed.command();
        if (command.refusedUri != null) {
            throw new IllegalArgumentException("--mongo-uri is not taken: the URI carries the password"
                    + " and every user of this machine sees the command line. Set " + URI_ENV
                    + " or use --mongo-uri-file");
        }
        positive("--batch-size", command.batchSize);
        positive("--timeout-seconds", command.timeoutSeconds);
        Instant since = command.since == null ? null : since(command.since, now);
        String mongoUri = command.uriFile != null ? uriFromFile(command.uriFile) : uriFromEnvironment;
        if (mongoUri == null || mongoUri.isBlank()) {
            throw new IllegalArgumentException("no MongoDB URI: set " + URI_ENV + " or give --mongo-uri-file FILE");
        }
        Pattern topicPattern;
        try {
            topicPattern = Pattern.compile(command.topics);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("--topics-regex is not a regular expression: " + e.getDescription());
        }
        return new Options(
                command.bootstrap,
                mongoUri.strip(),
                command.database,
                topicPattern,
                List.copyOf(command.collections),
                command.idHeader,
                since,
                command.batchSize,
                Duration.ofSeconds(command.timeoutSeconds),
                command.json);
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " needs a positive number, not '" + value + "'");
        }
    }

    static Instant since(String value, Instant now) {
        Matcher relative = RELATIVE.matcher(value);
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            Duration back = switch (relative.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            return now.minus(back);
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since needs a span back from now (24h, 90m, 7d) or an instant such as"
                    + " 2026-11-20T00:00:00Z, not '" + value + "'");
        }
    }

    /** The URI alone in the file, or the {@code mongodb.uri} key of a properties file (the workers' secrets file). */
    static String uriFromFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read --mongo-uri-file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("mongodb://") || trimmed.startsWith("mongodb+srv://")) {
            return trimmed;
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--mongo-uri-file " + file + " holds neither a MongoDB URI nor properties");
        }
        String uri = properties.getProperty("mongodb.uri");
        if (uri == null) {
            throw new IllegalArgumentException(
                    "--mongo-uri-file " + file + " holds neither a MongoDB URI nor a mongodb.uri key");
        }
        return uri;
    }

    static int run(Options options, PrintStream out, PrintStream err) {
        long started = System.nanoTime();
        Reconciler.Result result;
        try (MongoClient mongo = MongoClients.create(options.mongoUri())) {
            result = Reconciler.reconcile(
                    Reconciler.Request.of(options.bootstrap(), options.database())
                            .topics(options.topics())
                            .idHeader(options.idHeader())
                            .collections(options.collections())
                            .since(options.since())
                            .timeout(options.timeout())
                            .batchSize(options.batchSize())
                            .build(),
                    mongo);
        } catch (RuntimeException e) {
            // The driver's messages name hosts, never the password; ours name options and partitions.
            err.println("reconcile failed: " + e.getMessage());
            if (options.json()) {
                out.println(json(Map.of("consistent", false, "error", String.valueOf(e.getMessage()))));
            }
            return 1;
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (options.json()) {
            out.println(json(report(options, result, millis)));
        } else {
            print(options, result, millis, out);
        }
        return result.consistent() ? 0 : 1;
    }

    static Map<String, Object> report(Options options, Reconciler.Result result, long millis) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("consistent", result.consistent());
        report.put("since", options.since() == null ? null : options.since().toString());
        report.put("partitions", result.partitions());
        report.put("topicEvents", result.topicEvents());
        report.put("documents", result.documents());
        report.put("missingInMongo", Map.of("count", result.missingCount(), "sample", result.missingSample()));
        report.put("notOnAnyTopic", Map.of("count", result.strayCount(), "sample", result.straySample()));
        report.put("olderThanRetention", result.olderThanRetention());
        report.put("durationMs", millis);
        report.put("peakHeapBytes", peakHeapBytes());
        return report;
    }

    private static void print(Options options, Reconciler.Result result, long millis, PrintStream out) {
        out.println(String.format(
                Locale.ROOT,
                "events on %d partitions of topics matching %s%s: %,d",
                result.partitions(),
                options.topics(),
                options.since() == null ? "" : " since " + options.since(),
                result.topicEvents()));
        out.println(String.format(
                Locale.ROOT,
                "documents in MongoDB database %s%s: %,d",
                options.database(),
                options.since() == null ? "" : " since " + options.since(),
                result.documents()));
        out.println(String.format(
                Locale.ROOT,
                "ids missing in MongoDB: %,d%s",
                result.missingCount(),
                sample(result.missingSample(), result.missingCount())));
        out.println(String.format(
                Locale.ROOT,
                "ids in MongoDB on no topic: %,d%s",
                result.strayCount(),
                sample(result.straySample(), result.strayCount())));
        out.println(String.format(
                Locale.ROOT,
                "documents from offsets the topics no longer retain (not strays): %,d",
                result.olderThanRetention()));
        out.println(String.format(Locale.ROOT, "took %,d ms, peak heap %,d MB", millis, peakHeapBytes() >> 20));
        out.println(result.consistent() ? "CONSISTENT" : "GAP FOUND");
    }

    private static String sample(List<String> ids, long count) {
        return ids.isEmpty() ? "" : " [" + String.join(", ", ids) + (count > ids.size() ? ", ..." : "") + "]";
    }

    /** The most heap this JVM has used: the sum of the heap pools' peaks. */
    static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    private static String json(Map<String, Object> report) {
        try {
            return new ObjectMapper().writeValueAsString(report);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
