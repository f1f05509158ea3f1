package dev.outboxkit.chaos;

import picocli.CommandLine.Option;

/**
 * The two options every pipeline command of the harness shares ({@code chaos.sh}, {@code bench-pipeline.sh},
 * {@code bench-growth.sh}): which database the outbox lives in and which Kafka version runs the pipeline. Added to
 * a command as a picocli mixin; the command's own validation calls {@link #validate()}.
 */
public final class SourceAndKafkaOptions {

    @Option(
            names = "--source",
            paramLabel = "mariadb|postgres",
            defaultValue = "mariadb",
            description = "the source database (default ${DEFAULT-VALUE})")
    String source;

    @Option(
            names = "--kafka",
            paramLabel = "4.3|3.9",
            defaultValue = "4.3",
            description = "the Kafka version (default ${DEFAULT-VALUE})")
    String kafka;

    public String source() {
        return source;
    }

    public String kafka() {
        return kafka;
    }

    /** @throws IllegalArgumentException naming the option whose value is not one of those above */
    public void validate() {
        if (!source.equals("mariadb") && !source.equals("postgres")) {
            throw new IllegalArgumentException("--source must be mariadb or postgres, not '" + source + "'");
        }
        if (!kafka.equals("3.9") && !kafka.equals("4.3")) {
            throw new IllegalArgumentException("--kafka must be 3.9 or 4.3, not '" + kafka + "'");
        }
    }
}
