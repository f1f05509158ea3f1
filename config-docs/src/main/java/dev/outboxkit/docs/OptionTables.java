package dev.outboxkit.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;

import dev.outboxkit.mongo.SinkConfig;
import dev.outboxkit.polling.PollingConfig;
import dev.outboxkit.router.RouterConfig;

/**
 * Renders each plugin's {@code CONFIG_DEF} as Markdown tables, one per option group, and writes them into the
 * README between {@code <!-- options:NAME:begin -->} and {@code <!-- options:NAME:end -->}. Run by the build,
 * so the tables cannot drift from the code; CI fails when the committed README differs from what it writes.
 */
public final class OptionTables {

    private OptionTables() {}

    /** The documented plugins: marker name to ConfigDef. */
    static Map<String, ConfigDef> plugins() {
        Map<String, ConfigDef> plugins = new LinkedHashMap<>();
        plugins.put("outbox-router-smt", RouterConfig.CONFIG_DEF);
        plugins.put("mongo-log-sink", SinkConfig.CONFIG_DEF);
        plugins.put("outbox-polling-source", PollingConfig.CONFIG_DEF);
        return plugins;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: OptionTables README.md");
            System.exit(2);
        }
        Path readme = Path.of(args[0]);
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        String updated = text;
        for (Map.Entry<String, ConfigDef> plugin : plugins().entrySet()) {
            updated = replaceSection(updated, plugin.getKey(), render(plugin.getValue()));
        }
        if (!updated.equals(text)) {
            Files.writeString(readme, updated, StandardCharsets.UTF_8);
            System.out.println("Updated option tables in " + readme);
        }
    }

    static String replaceSection(String text, String name, String content) {
        String begin = "<!-- options:" + name + ":begin -->";
        String end = "<!-- options:" + name + ":end -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalStateException("README has no section " + begin + " ... " + end);
        }
        return text.substring(0, from + begin.length()) + "\n" + content + text.substring(to);
    }

    static String render(ConfigDef def) {
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (String group : def.groups()) {
            byGroup.put(group, new ArrayList<>());
        }
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            byGroup.computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>())
                    .add(key);
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<ConfigDef.ConfigKey>> group : byGroup.entrySet()) {
            List<ConfigDef.ConfigKey> keys = group.getValue();
            keys.sort(Comparator.comparingInt(k -> k.orderInGroup));
            out.append("\n**").append(group.getKey()).append("**\n\n");
            out.append("| option | type | default | valid values | importance | description |\n");
            out.append("| --- | --- | --- | --- | --- | --- |\n");
            for (ConfigDef.ConfigKey key : keys) {
                out.append("| `")
                        .append(key.name)
                        .append("` | ")
                        .append(key.type.name().toLowerCase())
                        .append(" | ")
                        .append(defaultText(key))
                        .append(" | ")
                        .append(key.validator == null ? "" : escape(key.validator.toString()))
                        .append(" | ")
                        .append(key.importance.name().toLowerCase())
                        .append(" | ")
                        .append(escape(key.documentation))
                        .append(" |\n");
            }
        }
        return out.append('\n').toString();
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "required";
        }
        if (key.defaultValue == null) {
            return "unset";
        }
        if (key.type == ConfigDef.Type.PASSWORD) {
            return "hidden";
        }
        String text = key.defaultValue instanceof List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(key.defaultValue);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
