package dev.outboxkit.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** reconcile.sh's options: where the MongoDB URI may come from, the window, and what is refused. */
class ReconcileCommandTest {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final String[] REQUIRED = {"--bootstrap-servers", "kafka:9092", "--database", "outbox_events"};

    private static String[] with(String... more) {
        String[] args = new String[REQUIRED.length + more.length];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        System.arraycopy(more, 0, args, REQUIRED.length, more.length);
        return args;
    }

    @Test
    void theUriOnTheCommandLineIsRefusedSinceEveryUserSeesIt() {
        assertThatThrownBy(() -> Reconcile.parse(with("--mongo-uri", "mongodb://u:secret@h"), null, NOW))
                .hasMessageContaining("--mongo-uri is not taken")
                .hasMessageContaining("MONGODB_URI")
                .hasMessageNotContaining("secret");
    }

    @Test
    void theUriComesFromTheEnvironmentOrAFileOfEitherShape(@TempDir Path dir) throws Exception {
        assertThat(Reconcile.parse(REQUIRED, "mongodb://env-host/?w=1", NOW).mongoUri())
                .isEqualTo("mongodb://env-host/?w=1");
        Path plain = Files.writeString(dir.resolve("uri"), "mongodb+srv://u:p@cluster.example/\n");
        assertThat(Reconcile.parse(with("--mongo-uri-file", plain.toString()), "mongodb://ignored", NOW)
                        .mongoUri())
                .isEqualTo("mongodb+srv://u:p@cluster.example/");
        Path secrets = Files.writeString(
                dir.resolve("outboxkit.properties"),
                "# the workers' secrets file\nmariadb.password=x\nmongodb.uri=mongodb\\://u\\:p@mongo\\:27017/?replicaSet\\=rs0\n");
        assertThat(Reconcile.parse(with("--mongo-uri-file", secrets.toString()), null, NOW)
                        .mongoUri())
                .isEqualTo("mongodb://u:p@mongo:27017/?replicaSet=rs0");
        Path other = Files.writeString(dir.resolve("other.properties"), "password=x\n");
        assertThatThrownBy(() -> Reconcile.parse(with("--mongo-uri-file", other.toString()), null, NOW))
                .hasMessageContaining("neither a MongoDB URI nor a mongodb.uri key")
                .hasMessageNotContaining("password=x");
        assertThatThrownBy(() -> Reconcile.parse(REQUIRED, null, NOW)).hasMessageContaining("no MongoDB URI");
        assertThatThrownBy(() -> Reconcile.parse(
                        with("--mongo-uri-file", dir.resolve("absent").toString()), null, NOW))
                .hasMessageContaining("cannot read --mongo-uri-file");
    }

    @Test
    void theWindowIsASpanBackFromNowOrAnInstant() {
        assertThat(Reconcile.parse(with("--since", "24h"), "mongodb://h", NOW).since())
                .isEqualTo(Instant.parse("2026-11-22T12:00:00Z"));
        assertThat(Reconcile.parse(with("--since", "90m"), "mongodb://h", NOW).since())
                .isEqualTo(Instant.parse("2026-11-23T10:30:00Z"));
        assertThat(Reconcile.parse(with("--since", "7d"), "mongodb://h", NOW).since())
                .isEqualTo(Instant.parse("2026-11-16T12:00:00Z"));
        assertThat(Reconcile.parse(with("--since", "2026-11-20T00:00:00Z"), "mongodb://h", NOW)
                        .since())
                .isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(Reconcile.parse(REQUIRED, "mongodb://h", NOW).since()).isNull();
        assertThatThrownBy(() -> Reconcile.parse(with("--since", "yesterday"), "mongodb://h", NOW))
                .hasMessageContaining("--since needs a span back from now");
    }

    @Test
    void wrongUsageSaysWhatIsWrong() {
        assertThatThrownBy(() -> Reconcile.parse(new String[] {"--database", "x"}, "mongodb://h", NOW))
                .hasMessageContaining("Missing required option")
                .hasMessageContaining("--bootstrap-servers");
        assertThatThrownBy(() -> Reconcile.parse(with("--batch-size", "0"), "mongodb://h", NOW))
                .hasMessageContaining("--batch-size needs a positive number");
        assertThatThrownBy(() -> Reconcile.parse(with("--batch-size", "many"), "mongodb://h", NOW))
                .hasMessageContaining("Invalid value for option '--batch-size': 'many' is not an int");
        assertThatThrownBy(() -> Reconcile.parse(with("--topics-regex", "(("), "mongodb://h", NOW))
                .hasMessageContaining("--topics-regex is not a regular expression");
        assertThatThrownBy(() -> Reconcile.parse(with("--bogus", "1"), "mongodb://h", NOW))
                .hasMessageContaining("Unknown options: '--bogus'");
        assertThatThrownBy(() -> Reconcile.parse(with("--since"), "mongodb://h", NOW))
                .hasMessageContaining("Missing required parameter for option '--since'");
        assertThat(Reconcile.parse(with("--json", "--help"), "mongodb://h", NOW))
                .isNull();
    }
}
