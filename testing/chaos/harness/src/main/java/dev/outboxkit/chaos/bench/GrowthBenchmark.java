package dev.outboxkit.chaos.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.SourceAndKafkaOptions;
import dev.outboxkit.chaos.Stack;
import dev.outboxkit.chaos.bench.TimedWriters.Written;
import dev.outboxkit.cli.Commands;
import dev.outboxkit.testkit.Wait;
import dev.outboxkit.testkit.workload.OutboxWorkload;
import dev.outboxkit.testkit.workload.OutboxWorkload.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench-growth.sh}: how the cost of an event grows as one dimension of the work grows, the others held at a
 * small base: aggregate types (hence topics and collections), sink tasks over 12 partitions, payload size, and outbox
 * tables feeding the same topics. Each dimension runs on a fresh cluster of its own (one broker, one Connect worker,
 * MongoDB, the source database, outboxkit's shipped connectors); each point of it gets topics of its own (created
 * up front, with the point's partitions) and the sink re-registered to read only them, a warm-up until everything
 * written has reached MongoDB, then a measured window at a fixed offered rate well below saturation. Per point: the
 * commit-to-MongoDB latency of the window's events and the CPU each process used from the window's start until the
 * last of them was in MongoDB, per 1,000 events.
 */
public final class GrowthBenchmark {

    static final List<String> DIMENSIONS = List.of("types", "tasks", "payload", "tables");
    /** The limit set for the payload dimension's topics, the source's producer and the sink's dead letter producer. */
    static final int LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;

    private static final long ALL = Long.MAX_VALUE;

    private GrowthBenchmark() {}

    /**
     * One point: the number of aggregate types (one topic and one collection each), partitions per topic, sink tasks,
     * payload bytes, outbox tables and the offered rate.
     */
    record Point(String dimension, int types, int partitions, int tasks, int payloadBytes, int tables, double rate) {

        /** The value of the point's own dimension, as the table shows it. */
        String value() {
            return switch (dimension) {
                case "types" -> Integer.toString(types);
                case "tasks" -> tasks + " over " + types * partitions + " partitions";
                case "payload" -> bytes(payloadBytes);
                case "tables" -> Integer.toString(tables);
                default -> throw new IllegalStateException(dimension);
            };
        }

        String label() {
            return dimension + "-" + value().replace(' ', '-');
        }

        private static String bytes(int n) {
            return n >= 1_000_000 ? n / 1_000_000 + " MB" : n >= 1_000 ? n / 1_000 + " KB" : n + " B";
        }
    }

    /**
     * The points of a dimension. Base: 3 types of 3 partitions, 2 sink tasks (the shipped sink's tasks.max), 100-byte
     * payloads, one outbox table. The types dimension uses one partition a topic, so that only topics and collections
     * grow; the payload dimension's 1 MB point runs at largeRate.
     */
    static List<Point> plan(String dimension, double rate, double largeRate) {
        return switch (dimension) {
            case "types" ->
                IntStream.of(1, 10, 100, 1_000)
                        .mapToObj(types -> new Point(dimension, types, 1, 1, 100, 1, rate))
                        .toList();
            case "tasks" ->
                IntStream.rangeClosed(1, 4)
                        .mapToObj(tasks -> new Point(dimension, 3, 4, tasks, 100, 1, rate))
                        .toList();
            case "payload" ->
                IntStream.of(100, 10_000, 1_000_000)
                        .mapToObj(bytes -> new Point(
                                dimension, 3, 3, 2, bytes, 1, bytes >= 1_000_000 ? Math.min(rate, largeRate) : rate))
                        .toList();
            case "tables" ->
                IntStream.of(1, 10, 50)
                        .mapToObj(tables -> new Point(dimension, 3, 3, 2, 100, tables, rate))
                        .toList();
            default -> throw new IllegalArgumentException("no dimension '" + dimension + "'");
        };
    }

    /** The outbox table of index i: {@code outbox}, then {@code outbox_1} ... */
    static String table(int index) {
        return index == 0 ? "outbox" : "outbox_" + index;
    }

    /**
     * What the writers commit for one point: the writers' events spread evenly over the point's aggregate types and
     * outbox tables (consecutive events of all writers together take consecutive types and tables), each with a JSON
     * payload of exactly payloadBytes (when that is at least the ~60 bytes of its fields).
     */
    static final class Shape implements TimedWriters.Shape {
        private final List<String> types;
        private final int tables;
        private final int writers;
        private final int payloadBytes;
        private final String padding;

        Shape(List<String> types, int tables, int writers, int payloadBytes) {
            this.types = types;
            this.tables = tables;
            this.writers = writers;
            this.payloadBytes = payloadBytes;
            this.padding = "x".repeat(payloadBytes);
        }

        private long slot(int writer, int sequence) {
            return writer + (long) (sequence - 1) * writers;
        }

        @Override
        public Event event(String phase, int writer, int sequence) {
            String type = types.get((int) (slot(writer, sequence) % types.size()));
            String aggregateId = type.toLowerCase(Locale.ROOT) + "-" + writer + "-" + (sequence % 20);
            String head = "{\"aggregate\": \"" + aggregateId + "\", \"seq\": " + sequence + ", \"pad\": \"";
            String tail = "\"}";
            int pad = Math.max(0, payloadBytes - head.length() - tail.length());
            return new Event(
                    phase + "-" + writer + "-" + sequence,
                    type,
                    aggregateId,
                    type + "Changed",
                    head + padding.substring(0, pad) + tail);
        }

        @Override
        public String table(int writer, int sequence) {
            return GrowthBenchmark.table((int) (slot(writer, sequence) % tables));
        }
    }

    /** CPU milliseconds per 1,000 events of one process, from its CPU seconds before and after the window. */
    static double msPerThousand(double secondsBefore, double secondsAfter, long events) {
        return events == 0 ? Double.NaN : (secondsAfter - secondsBefore) * 1_000_000.0 / events;
    }

    /**
     * What one point measured. cpu: worker, broker, MongoDB, in CPU ms per 1,000 events; net: the same less what
     * each process used idle (measured over --idle-seconds with nothing written just before the window).
     */
    record Result(
            Point point,
            int events,
            double achieved,
            Latency latency,
            double[] cpu,
            double[] net,
            int missing,
            String load) {}

    /** The CPU seconds a process would have used idle over the window, at the rate it used them idle before it. */
    static double idleShare(double idleBefore, double idleAfter, double idleSeconds, double windowSeconds) {
        return (idleAfter - idleBefore) / idleSeconds * windowSeconds;
    }

    @Command(
            name = "bench-growth.sh",
            sortOptions = false,
            description = {
                "Runs outboxkit's pipeline (the source database, Debezium with the router, one broker, one Connect worker,",
                "the MongoDB log sink) with one dimension of the work growing at a time, and prints per point the",
                "commit-to-MongoDB latency at a fixed offered rate and the CPU of the worker, the broker and MongoDB per",
                "1,000 events. Dimensions: types (1, 10, 100, 1000 aggregate types: topics and collections), tasks (1-4",
                "sink tasks over 12 partitions), payload (100 B, 10 KB, 1 MB), tables (1, 10, 50 outbox tables feeding",
                "the same topics)."
            })
    static final class Arguments implements Commands.Validated {
        @Option(
                names = "--dimension",
                split = ",",
                paramLabel = "types,tasks,payload,tables",
                description = "the dimensions to grow, each on a fresh cluster (default all four)")
        List<String> dimensions = DIMENSIONS;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "400",
                description = "offered rate in events/s (default ${DEFAULT-VALUE})")
        double rate;

        @Option(
                names = "--large-rate",
                paramLabel = "N",
                defaultValue = "10",
                description = "offered rate of the 1 MB payload point (default ${DEFAULT-VALUE})")
        double largeRate;

        @Option(
                names = "--seconds",
                paramLabel = "N",
                defaultValue = "20",
                description = "seconds measured per point (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(
                names = "--warm-seconds",
                paramLabel = "N",
                defaultValue = "10",
                description =
                        "seconds of warm-up per point, twice that for a dimension's first (default ${DEFAULT-VALUE})")
        int warmSeconds;

        @Option(
                names = "--idle-seconds",
                paramLabel = "N",
                defaultValue = "5",
                description =
                        "seconds with nothing written before each window, for the CPU used idle (default ${DEFAULT-VALUE})")
        int idleSeconds;

        @Option(
                names = "--writers",
                paramLabel = "N",
                defaultValue = "4",
                description = "writer threads (default ${DEFAULT-VALUE})")
        int writers;

        @Mixin
        SourceAndKafkaOptions sourceAndKafka = new SourceAndKafkaOptions();

        @Option(
                names = "--points",
                split = ",",
                paramLabel = "1,1000",
                description = "only the points of these values (e.g. --dimension types --points 1,1000; default all)")
        List<String> points = new ArrayList<>();

        @Option(
                names = "--source-set",
                paramLabel = "KEY=VALUE",
                description = "one setting of the source connector, to try a tuning")
        Map<String, String> sourceSettings = new LinkedHashMap<>();

        @Option(
                names = "--sink-set",
                paramLabel = "KEY=VALUE",
                description = "one setting of the sink connector, to try a tuning")
        Map<String, String> sinkSettings = new LinkedHashMap<>();

        @Override
        public void validate() {
            sourceAndKafka.validate();
            for (String dimension : dimensions) {
                if (!DIMENSIONS.contains(dimension)) {
                    throw new IllegalArgumentException(
                            "--dimension takes " + String.join(", ", DIMENSIONS) + ", not '" + dimension + "'");
                }
            }
            if (!(rate > 0) || !(largeRate > 0)) {
                throw new IllegalArgumentException("--rate and --large-rate need positive numbers");
            }
            if (seconds < 1 || warmSeconds < 1 || writers < 1 || idleSeconds < 1) {
                throw new IllegalArgumentException(
                        "--seconds, --warm-seconds, --idle-seconds and --writers need positive numbers");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Arguments options = Commands.parseOrExit("bench-growth.sh", new Arguments(), args);
        Path repository = Path.of(System.getProperty("outboxkit.repository", "."))
                .toAbsolutePath()
                .normalize();
        String header = String.format(
                "Growth benchmark: %s from %s, Kafka %s, %.0f events/s (1 MB payloads %.0f events/s), %d s measured a"
                        + " point, %d writers; %d cores; load at start %s",
                options.dimensions,
                options.sourceAndKafka.source(),
                options.sourceAndKafka.kafka(),
                options.rate,
                Math.min(options.rate, options.largeRate),
                options.seconds,
                options.writers,
                Runtime.getRuntime().availableProcessors(),
                BenchReport.loadAverage());
        System.out.println(header);
        List<Result> results = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String dimension : options.dimensions) {
            try {
                results.addAll(runDimension(options, repository, dimension));
            } catch (Exception e) {
                // The other dimensions still tell something; the run fails at the end.
                System.out.println("dimension " + dimension + " failed: " + e);
                failed.add(dimension);
            }
        }
        String table = render(results);
        System.out.println();
        System.out.println(table);
        Path report = repository.resolve("testing/chaos/harness/target/bench-growth/growth.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, header + "\n\n" + table);
        System.out.println("(also in " + report + ")");
        int missing = results.stream().mapToInt(Result::missing).sum();
        if (missing > 0) {
            System.out.println(missing + " events committed in measured windows never reached MongoDB");
        }
        if (!failed.isEmpty()) {
            System.out.println("dimensions that failed (see above): " + failed);
        }
        System.exit(missing > 0 || !failed.isEmpty() ? 1 : 0);
    }

    private static List<Result> runDimension(Arguments options, Path repository, String dimension) throws Exception {
        List<Point> points = plan(dimension, options.rate, options.largeRate).stream()
                .filter(point -> options.points.isEmpty()
                        || options.points.contains(point.value().split(" ")[0]))
                .toList();
        if (points.isEmpty()) {
            return List.of();
        }
        Path runDirectory = repository.resolve("testing/chaos/harness/target/bench-growth/" + dimension);
        Cluster.prepareRunDirectory(runDirectory);
        Path arrivalFile = runDirectory.resolve("arrivals.log");
        System.out.println();
        System.out.println("== " + dimension + ": starting the cluster (logs in " + runDirectory + ")");
        List<Result> results = new ArrayList<>();
        try (Cluster cluster = new Cluster(
                repository,
                runDirectory,
                options.sourceAndKafka.kafka(),
                options.sourceAndKafka.source(),
                true,
                false,
                null,
                1,
                1,
                arrivalFile)) {
            int tables = points.stream().mapToInt(Point::tables).max().orElse(1);
            boolean postgres = cluster.database().isPostgres();
            for (int i = 1; i < tables; i++) {
                cluster.database()
                        .execute(
                                Cluster.DATABASE,
                                postgres
                                        ? OutboxWorkload.postgresSchema(table(i))
                                        : OutboxWorkload.mariaDbSchema(table(i)));
            }
            Stack stack = Stack.of("outboxkit", repository, cluster)
                    .withSourceSetting(
                            "table.include.list", (postgres ? "public" : Cluster.DATABASE) + "\\.outbox(_[0-9]+)?");
            if (dimension.equals("payload")) {
                stack.withSourceSetting("producer.override.max.request.size", Integer.toString(LARGE_MESSAGE_BYTES));
            }
            options.sourceSettings.forEach(stack::withSourceSetting);
            stack.register(cluster.rest());
            Run run = new Run(cluster, stack, new ArrivalLog(arrivalFile), options);
            for (int i = 0; i < points.size(); i++) {
                results.add(run.point(points.get(i), i));
            }
        }
        return results;
    }

    /** The points of one dimension on its cluster. */
    private static final class Run {
        private final Cluster cluster;
        private final Stack stack;
        private final ArrivalLog arrivals;
        private final Arguments options;
        /** Events committed on this cluster so far, every point and warm-up. */
        private long committed;

        Run(Cluster cluster, Stack stack, ArrivalLog arrivals, Arguments options) {
            this.cluster = cluster;
            this.stack = stack;
            this.arrivals = arrivals;
            this.options = options;
        }

        Result point(Point point, int index) throws Exception {
            String prefix = "G" + index + "t";
            List<String> types = IntStream.range(0, point.types())
                    .mapToObj(t -> String.format("%s%04d", prefix, t))
                    .toList();
            System.out.println("point " + point.label() + ": " + point);
            createTopics(point, types);
            registerSink(point, prefix);
            TimedWriters writers = new TimedWriters(
                    cluster.database(),
                    Cluster.DATABASE,
                    options.writers,
                    new Shape(types, point.tables(), options.writers, point.payloadBytes()),
                    false);
            long warmMs = Math.max(
                    options.warmSeconds * 1000L * (index == 0 ? 2 : 1), (long) (2_000.0 * types.size() / point.rate()));
            Written warm = writers.write(point.label() + "-warm", point.rate(), warmMs, ALL, 1);
            committed += warm.count();
            if (!awaitAll(300)) {
                throw new IllegalStateException(
                        "The warm-up of " + point.label() + " did not reach MongoDB within 300 s: " + arrivals.arrived()
                                + " of " + committed + " events arrived");
            }
            // The processes' CPU with nothing written (pollers, heartbeats, metadata refresh), to tell apart.
            double[] idleBefore = cpu();
            long idleStarted = System.nanoTime();
            Wait.sleep(Duration.ofSeconds(options.idleSeconds));
            double[] idleAfter = cpu();
            double idleSeconds = (System.nanoTime() - idleStarted) / 1e9;
            double[] before = cpu();
            long windowStarted = System.nanoTime();
            Written written = writers.write(point.label(), point.rate(), options.seconds * 1000L, ALL, 1);
            committed += written.count();
            awaitAll(180);
            double[] after = cpu();
            double windowSeconds = (System.nanoTime() - windowStarted) / 1e9;
            String load = BenchReport.loadAverage();
            long[] micros = new long[written.count()];
            int n = 0;
            for (Map.Entry<String, Long> event : written.commitMicros().entrySet()) {
                Long arrived = arrivals.arrivalMicros(event.getKey());
                if (arrived != null) {
                    micros[n++] = arrived - event.getValue();
                }
            }
            double[] cpu = new double[after.length];
            double[] net = new double[after.length];
            for (int i = 0; i < cpu.length; i++) {
                cpu[i] = msPerThousand(before[i], after[i], written.count());
                net[i] = msPerThousand(
                        before[i] + idleShare(idleBefore[i], idleAfter[i], idleSeconds, windowSeconds),
                        after[i],
                        written.count());
            }
            Result result = new Result(
                    point,
                    written.count(),
                    written.eventsPerSecond(),
                    Latency.of(Arrays.copyOf(micros, n)),
                    cpu,
                    net,
                    written.count() - n,
                    load);
            System.out.println("  " + row(result));
            return result;
        }

        private void createTopics(Point point, List<String> types) throws Exception {
            Map<String, String> configs = point.dimension().equals("payload")
                    ? Map.of("max.message.bytes", Integer.toString(LARGE_MESSAGE_BYTES))
                    : Map.of();
            short replication = (short) cluster.kafka().replicationFactor();
            try (Admin admin = cluster.kafka().admin()) {
                admin.createTopics(types.stream()
                                .map(type -> new NewTopic("outbox.event." + type, point.partitions(), replication)
                                        .configs(configs))
                                .toList())
                        .all()
                        .get(120, TimeUnit.SECONDS);
            }
        }

        /** The sink re-registered to read only this point's topics, with the point's tasks. */
        private void registerSink(Point point, String prefix) {
            Map<String, String> sink = stack.sinkConfig();
            sink.put("topics.regex", "outbox\\.event\\." + prefix + ".*");
            sink.put("tasks.max", Integer.toString(point.tasks()));
            if (point.dimension().equals("payload")) {
                sink.put("producer.override.max.request.size", Integer.toString(LARGE_MESSAGE_BYTES));
            }
            sink.putAll(options.sinkSettings);
            cluster.rest().putConfig(Stack.SINK, sink);
            Wait.until(
                    Stack.SINK + " runs " + point.tasks() + " tasks",
                    Duration.ofSeconds(120),
                    () -> cluster.rest().allRunning(Stack.SINK)
                            && cluster.rest().status(Stack.SINK).path("tasks").size() == point.tasks());
        }

        /** Whether every event committed on this cluster so far is in MongoDB within the time. */
        private boolean awaitAll(int seconds) {
            return Wait.within(Duration.ofSeconds(seconds), () -> arrivals.refresh() >= committed);
        }

        /** CPU seconds used so far by the Connect worker, the broker and MongoDB. */
        private double[] cpu() {
            return new double[] {
                ProcessCpu.seconds(cluster.workers().get(0).process().pid()),
                ProcessCpu.seconds(cluster.kafka().node(1).process().pid()),
                cluster.mongoProcess() == null
                        ? Double.NaN
                        : ProcessCpu.seconds(cluster.mongoProcess().pid())
            };
        }
    }

    static String render(List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| dimension | point | events/s | events | p50 ms | p99 ms | CPU ms per 1,000 events, all / net of idle:"
                        + " worker | broker | MongoDB | load 1/5/15 min |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result result : results) {
            out.append(row(result)).append('\n');
        }
        return out.toString();
    }

    static String row(Result r) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %.0f | %,d | %.1f | %.1f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %s |%s",
                r.point().dimension(),
                r.point().value(),
                r.achieved(),
                r.events(),
                r.latency().p50Ms(),
                r.latency().p99Ms(),
                r.cpu()[0],
                r.net()[0],
                r.cpu()[1],
                r.net()[1],
                r.cpu()[2],
                r.net()[2],
                r.load(),
                r.missing() > 0 ? " " + r.missing() + " MISSING" : "");
    }
}
