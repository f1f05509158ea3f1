package dev.outboxkit.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What Debezium's connectors declare to Kafka Connect's exactly-once source support (KIP-618) for the shipped
 * configurations, read from the real connector jars in the plugin directories the build installs, each in a class
 * loader of its own over the Kafka 4.3 runtime (as a worker loads them). The worker asks exactly these two methods
 * when a connector has {@code exactly.once.support=required} or {@code transaction.boundary=connector}.
 */
class DebeziumExactlyOnceTest {

    private static final Path REPOSITORY = repositoryRoot();

    @Test
    void mariaDbDeclaresExactlyOnceForEverySnapshotModeButCannotDefineTransactionBoundaries() throws Exception {
        assertDeclarations("debezium-connector-mariadb", "mariadb-outbox-source.json");
    }

    @Test
    void postgresDeclaresExactlyOnceForEverySnapshotModeButCannotDefineTransactionBoundaries() throws Exception {
        assertDeclarations("debezium-connector-postgres", "postgres-outbox-source.json");
    }

    private static void assertDeclarations(String pluginDirectory, String shippedConfig) throws Exception {
        Map<String, String> config = shipped(shippedConfig);
        try (URLClassLoader loader = pluginLoader(pluginDirectory)) {
            Object connector = loader.loadClass(config.get("connector.class"))
                    .getConstructor()
                    .newInstance();
            for (String snapshotMode : List.of("initial", "no_data", "when_needed", "always")) {
                Map<String, String> withMode = new LinkedHashMap<>(config);
                withMode.put("snapshot.mode", snapshotMode);
                assertThat(call(connector, "exactlyOnceSupport", withMode))
                        .as("exactlyOnceSupport, snapshot.mode=" + snapshotMode)
                        .isEqualTo("SUPPORTED");
                assertThat(call(connector, "canDefineTransactionBoundaries", withMode))
                        .as("canDefineTransactionBoundaries, snapshot.mode=" + snapshotMode)
                        .isEqualTo("UNSUPPORTED");
            }
        }
    }

    private static String call(Object connector, String method, Map<String, String> config) throws Exception {
        return String.valueOf(connector.getClass().getMethod(method, Map.class).invoke(connector, config));
    }

    /** The plugin directory's jars over the Kafka runtime's, isolated from the test's own class path. */
    private static URLClassLoader pluginLoader(String pluginDirectory) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (Path directory : List.of(
                REPOSITORY.resolve("quickstart/target/connect-plugins").resolve(pluginDirectory),
                REPOSITORY.resolve("testing/chaos/kafka-4.3/target/lib"))) {
            assertThat(directory)
                    .as("built by the reactor before this module's tests")
                    .isDirectory();
            try (Stream<Path> jars = Files.list(directory)) {
                for (Path jar : jars.filter(path -> path.toString().endsWith(".jar"))
                        .sorted()
                        .toList()) {
                    urls.add(jar.toUri().toURL());
                }
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    /** The checkout's root: the nearest folder above the module's that holds connect-configs/. */
    private static Path repositoryRoot() {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null && !Files.isDirectory(directory.resolve("connect-configs"))) {
            directory = directory.getParent();
        }
        assertThat(directory)
                .as("a folder above " + Path.of("").toAbsolutePath() + " holding connect-configs/")
                .isNotNull();
        return directory;
    }

    private static Map<String, String> shipped(String file) {
        try {
            return new ObjectMapper()
                    .readValue(
                            Files.readString(
                                    REPOSITORY.resolve("connect-configs").resolve(file)),
                            new TypeReference<LinkedHashMap<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
