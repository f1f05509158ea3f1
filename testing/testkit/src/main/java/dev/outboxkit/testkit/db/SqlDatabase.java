package dev.outboxkit.testkit.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A database reached over JDBC: what the workload and the tests need from MariaDB and PostgreSQL alike. */
public interface SqlDatabase extends AutoCloseable {

    String jdbcUrl(String database);

    /** Whether this is PostgreSQL (else MySQL or MariaDB). */
    boolean isPostgres();

    String user();

    String password();

    String host();

    int port();

    default Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user(), password());
    }

    default void execute(String database, String... statements) throws SQLException {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    @Override
    void close();
}
