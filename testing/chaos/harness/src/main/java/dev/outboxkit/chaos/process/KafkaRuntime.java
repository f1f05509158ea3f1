package dev.outboxkit.chaos.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Kafka version's broker and Connect runtime: the jars its module copied (testing/chaos/kafka-3.9, testing/chaos/kafka-4.3) and the
 * logging configuration that version's binding reads (reload4j for 3.9, log4j2 for 4.x), writing to standard output.
 */
public final class KafkaRuntime {

    private final String version;
    private final String classpath;
    private final List<String> loggingOptions;

    private KafkaRuntime(String version, String classpath, List<String> loggingOptions) {
        this.version = version;
        this.classpath = classpath;
        this.loggingOptions = loggingOptions;
    }

    public static KafkaRuntime of(String version, Path repository, Path runDirectory) {
        Path lib = repository.resolve("testing/chaos/kafka-" + version + "/target/lib");
        try {
            if (version.startsWith("3.")) {
                Path config = runDirectory.resolve("log4j.properties");
                Files.writeString(
                        config,
                        String.join(
                                "\n",
                                "log4j.rootLogger=INFO, stdout",
                                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                                "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
                                "log4j.logger.org.apache.kafka.clients=WARN",
                                "log4j.logger.org.reflections=ERROR",
                                ""));
                return new KafkaRuntime(
                        version, JvmProcess.jarsOf(lib), List.of("-Dlog4j.configuration=file:" + config));
            }
            Path config = runDirectory.resolve("log4j2.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "appender.stdout.type=Console",
                            "appender.stdout.name=STDOUT",
                            "appender.stdout.layout.type=PatternLayout",
                            "appender.stdout.layout.pattern=[%d] %p %m (%c)%n",
                            "rootLogger.level=INFO",
                            "rootLogger.appenderRef.stdout.ref=STDOUT",
                            "logger.clients.name=org.apache.kafka.clients",
                            "logger.clients.level=WARN",
                            ""));
            return new KafkaRuntime(version, JvmProcess.jarsOf(lib), List.of("-Dlog4j2.configurationFile=" + config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String version() {
        return version;
    }

    public String classpath() {
        return classpath;
    }

    public List<String> loggingOptions() {
        return loggingOptions;
    }
}
