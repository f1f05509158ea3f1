package dev.outboxkit.quickstart.db;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A private PostgreSQL 18 with logical decoding on, from the binaries shipped in the zonky artifact: nothing is
 * installed. Trust authentication for user postgres; {@code synchronous_commit=on} so that logical decoding sees
 * a commit as soon as it returns.
 */
public final class PostgresServer implements SqlDatabase {

    private final EmbeddedPostgres postgres;

    public PostgresServer() {
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPort(Ports.free())
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start", e);
        }
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
        return postgres.getPort();
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
