package dev.outboxkit.quickstart.db;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.outboxkit.testkit.db.SqlDatabase;

/** A MySQL, MariaDB or PostgreSQL the user already runs, given by --jdbc-url; change capture must be on. */
public final class ExternalDatabase implements SqlDatabase {

    /** What the driver is given: the URL up to the database name, which {@link #jdbcUrl} completes. */
    private final String baseUrl;
    /** The URL's query (driver options, e.g. sslMode), kept on every connection; empty when none. */
    private final String query;

    private final boolean postgres;
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    public ExternalDatabase(String jdbcUrl, String user, String password) {
        if (!jdbcUrl.startsWith("jdbc:mysql://")
                && !jdbcUrl.startsWith("jdbc:mariadb://")
                && !jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(
                    "--jdbc-url must start with jdbc:mysql://, jdbc:mariadb:// or jdbc:postgresql://");
        }
        this.postgres = jdbcUrl.startsWith("jdbc:postgresql://");
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        this.host = uri.getHost();
        if (host == null) {
            throw new IllegalArgumentException("--jdbc-url must name the host, e.g. jdbc:mysql://localhost:3306/shop");
        }
        this.port = uri.getPort() > 0 ? uri.getPort() : (postgres ? 5432 : 3306);
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isEmpty()) {
            throw new IllegalArgumentException(
                    "--jdbc-url must name the database, e.g. jdbc:mysql://localhost:3306/shop");
        }
        this.database = path;
        // MySQL users write jdbc:mysql://; the MariaDB driver (the one shipped here) speaks MySQL's protocol too, but
        // answers that scheme only with permitMysqlScheme, so it is given its own scheme.
        String scheme = jdbcUrl.startsWith("jdbc:postgresql://") ? "jdbc:postgresql://" : "jdbc:mariadb://";
        this.baseUrl = scheme + host + ":" + port + "/";
        this.query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        this.user = user;
        this.password = password;
    }

    public String database() {
        return database;
    }

    /** Fails with what to change when the database does not log row changes for Debezium. */
    public void checkChangeCapture() throws SQLException {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement()) {
            if (postgres) {
                try (ResultSet rs = statement.executeQuery("SHOW wal_level")) {
                    rs.next();
                    if (!"logical".equals(rs.getString(1))) {
                        throw new IllegalStateException(
                                "PostgreSQL at " + host + ":" + port + " has wal_level=" + rs.getString(1)
                                        + "; Debezium needs wal_level=logical (set it in postgresql.conf and restart)");
                    }
                }
            } else {
                try (ResultSet rs = statement.executeQuery("SELECT @@log_bin, @@binlog_format")) {
                    rs.next();
                    if (rs.getInt(1) != 1 || !"ROW".equalsIgnoreCase(rs.getString(2))) {
                        throw new IllegalStateException(
                                "MySQL/MariaDB at " + host + ":" + port + " needs the binlog on with"
                                        + " binlog_format=ROW (start it with --log-bin --binlog-format=ROW --binlog-row-image=FULL)");
                    }
                }
            }
        }
    }

    @Override
    public String jdbcUrl(String db) {
        return baseUrl + db + query;
    }

    @Override
    public boolean isPostgres() {
        return postgres;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        // Not ours to stop.
    }
}
