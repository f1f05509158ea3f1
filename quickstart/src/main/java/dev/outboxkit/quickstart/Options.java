package dev.outboxkit.quickstart;

import java.nio.file.Path;

import dev.outboxkit.cli.Commands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** run-pipeline.sh's options: read by picocli ({@link Arguments}), checked, and kept as one record. */
record Options(
        String source,
        String relay,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String mongoUri,
        int orders,
        double rate,
        int flatOutOrders,
        boolean keepRunning,
        Path repository) {

    @Command(
            name = "run-pipeline.sh",
            sortOptions = false,
            description = {
                "The whole pipeline on this machine: a source database with change capture, Kafka and Kafka Connect in one process,",
                "MongoDB, connect-configs/ registered through the REST API, a workload of orders, and a report of what reached",
                "MongoDB. Exit status: 0 when every committed event is in MongoDB exactly once, 1 otherwise, 2 on wrong usage."
            })
    static final class Arguments implements Commands.Validated {
        @Option(
                names = "--orders",
                paramLabel = "N",
                defaultValue = "3000",
                description = "orders to write at --rate, each a business row and an outbox row in one transaction; the"
                        + " latency line measures them (default ${DEFAULT-VALUE})")
        int orders;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "200",
                description =
                        "the offered rate of those orders, a second, on a fixed schedule (default ${DEFAULT-VALUE})")
        double rate;

        @Option(
                names = "--flat-out-orders",
                paramLabel = "N",
                defaultValue = "3000",
                description = "then this many orders as fast as the database commits them, for the highest sustained"
                        + " rate; 0 skips it (default ${DEFAULT-VALUE})")
        int flatOutOrders;

        @Option(
                names = "--source",
                paramLabel = "mariadb|postgres",
                defaultValue = "mariadb",
                description = "database started from a binary shipped in a Maven artifact (default ${DEFAULT-VALUE})")
        String source;

        @Option(
                names = "--relay",
                paramLabel = "debezium|polling",
                defaultValue = "debezium",
                description = {
                    "debezium (default): change data capture from the binlog or WAL; polling: the outbox polling",
                    "source over JDBC, on the table from connect-configs/polling-*.sql"
                })
        String relay;

        @Option(
                names = "--jdbc-url",
                paramLabel = "URL",
                description = "use an existing MySQL/MariaDB (binlog ROW) or PostgreSQL (wal_level=logical) instead")
        String jdbcUrl;

        @Option(names = "--jdbc-user", paramLabel = "USER", description = "the user for --jdbc-url")
        String jdbcUser;

        @Option(
                names = "--jdbc-password",
                paramLabel = "PASSWORD",
                defaultValue = "",
                description = "its password (default empty)")
        String jdbcPassword;

        @Option(
                names = "--mongo-uri",
                paramLabel = "URI",
                description = "use this MongoDB instead of the in-process MongoDB-compatible server")
        String mongoUri;

        @Option(names = "--keep-running", description = "leave everything up after the report, until Ctrl-C")
        boolean keepRunning;

        @Option(
                names = "--metrics",
                description = "run the worker with the Prometheus JMX exporter agent and ops/jmx-exporter.yml")
        boolean metrics;

        @Option(
                names = "--metrics-port",
                paramLabel = "N",
                description = "the agent's port on 127.0.0.1 (default 9404); implies --metrics")
        Integer metricsPort;

        @Override
        public void validate() {
            if (orders < 1) {
                throw new IllegalArgumentException("--orders needs a positive number, not " + orders);
            }
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("--rate needs a positive number of orders a second, not " + rate);
            }
            if (flatOutOrders < 0) {
                throw new IllegalArgumentException(
                        "--flat-out-orders needs 0 or a positive number, not " + flatOutOrders);
            }
            if (!source.equals("mariadb") && !source.equals("postgres")) {
                throw new IllegalArgumentException("--source must be mariadb or postgres, not '" + source + "'");
            }
            if (!relay.equals("debezium") && !relay.equals("polling")) {
                throw new IllegalArgumentException("--relay must be debezium or polling, not '" + relay + "'");
            }
            if (jdbcUrl != null && jdbcUser == null) {
                throw new IllegalArgumentException("--jdbc-url needs --jdbc-user (and --jdbc-password unless empty)");
            }
            if (metricsPort != null && (metricsPort < 1 || metricsPort > 65535)) {
                throw new IllegalArgumentException("--metrics-port needs a port number (1-65535), not " + metricsPort);
            }
        }
    }

    /**
     * The options. --metrics and --metrics-port are read here only to be checked and shown in --help: the agent goes on
     * the java command line, which run-pipeline.sh builds before this JVM starts.
     */
    static Options from(Arguments arguments) {
        Path repository = Path.of(System.getProperty("outboxkit.repository", "."))
                .toAbsolutePath()
                .normalize();
        return new Options(
                arguments.source,
                arguments.relay,
                arguments.jdbcUrl,
                arguments.jdbcUser,
                arguments.jdbcPassword,
                arguments.mongoUri,
                arguments.orders,
                arguments.rate,
                arguments.flatOutOrders,
                arguments.keepRunning,
                repository);
    }
}
