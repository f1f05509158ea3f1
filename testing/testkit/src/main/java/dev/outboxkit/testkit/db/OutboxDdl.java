package dev.outboxkit.testkit.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The polling source's shipped DDL ({@code connect-configs/polling-*.sql}), with "outbox" replaced by a table name, run over JDBC:
 * the tests create their tables exactly as the README tells users to. Understands the client's DELIMITER lines.
 */
public final class OutboxDdl {

    private OutboxDdl() {}

    public static Path configsDir() {
        String configured = System.getProperty("outboxkit.connect.configs");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("connect-configs"))) {
                return dir.resolve("connect-configs");
            }
        }
        throw new IllegalStateException(
                "connect-configs/ not found above " + Path.of("").toAbsolutePath());
    }

    /** The statements of the shipped DDL for the table. */
    public static List<String> statements(boolean postgres, String table) {
        return statements(configsDir(), postgres, table);
    }

    /** The statements of the DDL in the given connect-configs/ folder for the table. */
    public static List<String> statements(Path configs, boolean postgres, String table) {
        String text;
        try {
            text = Files.readString(configs.resolve(postgres ? "polling-postgres.sql" : "polling-mariadb.sql"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        text = text.replace("outbox", table);
        List<String> statements = new ArrayList<>();
        String delimiter = ";";
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("--") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.toUpperCase().startsWith("DELIMITER ")) {
                delimiter = trimmed.substring("DELIMITER ".length()).trim();
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(delimiter)) {
                String sql = current.toString().trim();
                statements.add(
                        sql.substring(0, sql.length() - delimiter.length()).trim());
                current.setLength(0);
            }
        }
        return statements;
    }

    public static void create(Connection connection, boolean postgres, String table) throws SQLException {
        create(connection, configsDir(), postgres, table);
    }

    public static void create(Connection connection, Path configs, boolean postgres, String table) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements(configs, postgres, table)) {
                statement.execute(sql);
            }
        }
    }
}
