package dev.outboxkit.chaos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.outboxkit.testkit.db.SqlDatabase;

/**
 * The source database's server process, asked of the database itself: MariaDB's {@code mariadbd} from its pid file
 * ({@code @@pid_file}); PostgreSQL's postmaster as the parent of this connection's backend. Its CPU is that of the
 * whole process tree ({@link ProcessCpu#treeSeconds}): MariaDB's threads are one process, PostgreSQL's backends
 * (the writers', the polling source's, Debezium's WAL sender) are children of the postmaster.
 */
final class DatabaseProcess {

    private DatabaseProcess() {}

    static long pid(SqlDatabase db, String database) {
        try (Connection connection = db.connect(database);
                Statement statement = connection.createStatement()) {
            if (db.isPostgres()) {
                try (ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
                    rows.next();
                    long backend = rows.getLong(1);
                    ProcessCpu.Stat stat = ProcessCpu.parse(Files.readString(Path.of("/proc/" + backend + "/stat")));
                    return stat.parent();
                }
            }
            try (ResultSet rows = statement.executeQuery("SELECT @@pid_file, @@datadir")) {
                rows.next();
                Path pidFile = Path.of(rows.getString(2)).resolve(rows.getString(1));
                return Long.parseLong(Files.readString(pidFile).trim());
            }
        } catch (SQLException | IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot find the source database's server process", e);
        }
    }
}
