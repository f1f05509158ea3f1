package dev.outboxkit.mongo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The plugin's Maven version, from a resource the build filters. */
final class PluginVersion {

    static final String VERSION = load();

    private PluginVersion() {}

    private static String load() {
        try (InputStream in = PluginVersion.class.getResourceAsStream("mongo-log-sink.properties")) {
            if (in == null) {
                throw new IllegalStateException("mongo-log-sink.properties is missing from the plugin jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
