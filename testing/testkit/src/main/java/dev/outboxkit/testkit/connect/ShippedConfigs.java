package dev.outboxkit.testkit.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one place that renders a shipped connector config from {@code connect-configs/} for a run on this machine: the
 * file as users PUT it, with this run's secrets file in place of the shipped path (the workers read secrets through
 * the file config provider) and the run's overrides on top.
 */
public final class ShippedConfigs {

    /** Where the shipped configs point the file config provider (docker-compose.yml mounts the secrets there). */
    public static final String SHIPPED_SECRETS_PATH = "/etc/kafka-connect/secrets/outboxkit.properties";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShippedConfigs() {}

    /**
     * @param configsDir the {@code connect-configs/} folder
     * @param file       e.g. {@code mongo-log-sink.json}
     * @param secrets    this run's secrets file
     * @param overrides  settings to change; a null value removes the key
     */
    public static Map<String, String> render(
            Path configsDir, String file, Path secrets, Map<String, String> overrides) {
        Map<String, String> config;
        try {
            String text = Files.readString(configsDir.resolve(file)).replace(SHIPPED_SECRETS_PATH, secrets.toString());
            config = JSON.readValue(text, new TypeReference<LinkedHashMap<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read connect-configs/" + file, e);
        }
        overrides.forEach((key, value) -> {
            if (value == null) {
                config.remove(key);
            } else {
                config.put(key, value);
            }
        });
        return config;
    }
}
