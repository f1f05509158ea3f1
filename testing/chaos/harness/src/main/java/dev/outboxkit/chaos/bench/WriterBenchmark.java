package dev.outboxkit.chaos.bench;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.db.OutboxDdl;
import dev.outboxkit.testkit.workload.OutboxWorkload;

/**
 * What the polling DDL costs MariaDB's writers alone, with no relay, broker or sink on the cores: eight writer
 * threads commit transactions of one event by default (per event a business row, then its outbox row; in a
 * transaction of several events the first outbox row locks its slot before the later business rows) as fast
 * as they can, for the same time each, into a plain outbox table (the Debezium path's), into one table made from the
 * shipped polling DDL, and into 4 and 8 such tables (shards, writer w into shard w mod n). Each layout runs twice,
 * alternating, on one server. Beside each layout's events per second: the server's CPU per 1,000 events, from
 * {@code /proc}. Run it with
 * {@code bin/run-class.sh --build testing/chaos/harness --classpath testing/chaos/harness
 * dev.outboxkit.chaos.bench.WriterBenchmark [seconds [events-per-transaction]]}.
 */
public final class WriterBenchmark {

    private static final String DATABASE = "shop";
    private static final int WRITERS = 8;
    private static final List<Integer> SHARDS = List.of(1, 4, 8);

    private WriterBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        try (MariaDbServer db = new MariaDbServer(7)) {
            db.createDatabase(DATABASE);
            try (Connection connection = db.connect(DATABASE);
                    Statement statement = connection.createStatement()) {
                statement.execute(OutboxWorkload.ORDERS_TABLE);
                statement.execute(OutboxWorkload.mariaDbSchema("outbox"));
                for (int shard = 0; shard < 8; shard++) {
                    OutboxDdl.create(connection, false, shard(shard));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d writers, %d event(s) a transaction, %d s per layout, MariaDB, load average %s%n",
                    WRITERS,
                    batch,
                    seconds,
                    BenchReport.loadAverage());
            long server = DatabaseProcess.pid(db, DATABASE);
            System.out.println(
                    "| round | outbox | events/s | / plain outbox | database CPU ms / 1,000 events | / plain outbox |");
            System.out.println("| ---: | --- | ---: | ---: | ---: | ---: |");
            for (int round = 1; round <= 2; round++) {
                Result plain = run(db, server, "plain" + round, seconds, batch, (writer, sequence) -> "outbox");
                row(round, "plain (Debezium path)", plain, plain);
                for (int shards : SHARDS) {
                    Result polling = run(
                            db,
                            server,
                            "poll" + shards + "-" + round,
                            seconds,
                            batch,
                            (writer, sequence) -> shard(writer % shards));
                    row(round, "polling DDL, " + shards + (shards == 1 ? " table" : " shards"), polling, plain);
                }
            }
        }
    }

    private interface Tables {
        String table(int writer, int sequence);
    }

    private record Result(double rate, double cpuMsPerThousand) {}

    private static Result run(MariaDbServer db, long server, String phase, int seconds, int batch, Tables tables)
            throws Exception {
        double cpuBefore = ProcessCpu.treeSeconds(server);
        TimedWriters.Written written = write(db, phase, seconds, batch, tables);
        double cpu = ProcessCpu.treeSeconds(server) - cpuBefore;
        return new Result(written.eventsPerSecond(), cpu * 1e6 / Math.max(1, written.count()));
    }

    private static TimedWriters.Written write(MariaDbServer db, String phase, int seconds, int batch, Tables tables)
            throws Exception {
        TimedWriters writers = new TimedWriters(
                db,
                DATABASE,
                WRITERS,
                new TimedWriters.Shape() {
                    @Override
                    public OutboxWorkload.Event event(String name, int writer, int sequence) {
                        return TimedWriters.event(name, writer, sequence);
                    }

                    @Override
                    public String table(int writer, int sequence) {
                        return tables.table(writer, sequence);
                    }
                },
                false);
        return writers.write(phase, Double.POSITIVE_INFINITY, seconds * 1000L, Long.MAX_VALUE, batch);
    }

    private static void row(int round, String layout, Result result, Result plain) {
        System.out.printf(
                Locale.ROOT,
                "| %d | %s | %,.0f | %s | %,.0f | %s |%n",
                round,
                layout,
                result.rate(),
                BenchReport.ratio(result.rate(), plain.rate()),
                result.cpuMsPerThousand(),
                BenchReport.ratio(result.cpuMsPerThousand(), plain.cpuMsPerThousand()));
    }

    private static String shard(int index) {
        return "outbox_shard_" + index;
    }
}
