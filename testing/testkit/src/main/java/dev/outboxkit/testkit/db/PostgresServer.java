package dev.outboxkit.testkit.db;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A private PostgreSQL 18 with logical decoding on, from the binaries shipped in the zonky artifact: nothing is
 * installed. Trust authentication for user postgres; {@code synchronous_commit=on} so that logical decoding sees
 * a commit as soon as it returns.
 */
public final class PostgresServer implements SqlDatabase {

    private final int port = Ports.free();
    private final java.nio.file.Path dataDirectory;
    private EmbeddedPostgres postgres;

    public PostgresServer() {
        this(null);
    }

    /**
     * @param dataDirectory where the data lives, kept across {@link #stop()} and {@link #start()}; null for a
     *                      temporary directory removed on close
     */
    public PostgresServer(java.nio.file.Path dataDirectory) {
        this.dataDirectory = dataDirectory;
        postgres = startServer();
    }

    private EmbeddedPostgres startServer() {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start", e);
        }
    }

    /** Stops the server; with a data directory of the caller's, {@link #start()} brings it back with its data. */
    public void stop() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not stop", e);
        }
    }

    public void start() {
        postgres = startServer();
    }

    @Override
    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl("postgres", database);
    }

    @Override
    public boolean isPostgres() {
        return true;
    }

    @Override
    public String user() {
        return "postgres";
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

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not stop", e);
        }
    }
}
