package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.outboxkit.it.support.ConnectStack;

/**
 * The commands at the root as users run them (after the reactor built them: OUTBOXKIT_SKIP_BUILD=1): each answers
 * --help with its usage and exit 0, and wrong usage with exactly one line on standard error naming the option and
 * exit 2, before it starts anything.
 */
class LaunchersIT {

    private static final Path REPOSITORY =
            ConnectStack.configsDir().toAbsolutePath().normalize().getParent();

    @TempDir
    Path dir;

    private record Run(int exit, String out, List<String> errLines) {}

    private Run run(String script, String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("bash", REPOSITORY.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("OUTBOXKIT_SKIP_BUILD", "1");
        builder.environment().remove("MONGODB_URI");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process process =
                builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(
                    script + " " + String.join(" ", args) + " still running after 60 s: it started work");
        }
        String errText = Files.readString(err, StandardCharsets.UTF_8);
        return new Run(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                errText.isEmpty() ? List.of() : List.of(errText.split("\n")));
    }

    private void wrongUsage(String naming, String script, String... args) throws Exception {
        Run run = run(script, args);
        assertThat(run.exit())
                .as("%s %s: exit status; stdout %s", script, String.join(" ", args), run.out())
                .isEqualTo(2);
        assertThat(run.errLines())
                .as("%s %s: standard error", script, String.join(" ", args))
                .hasSize(1);
        assertThat(run.errLines().get(0))
                .startsWith(script + ": ")
                .contains(naming)
                .doesNotContain("Exception");
        assertThat(run.out()).isEmpty();
    }

    private void help(String script, String... expected) throws Exception {
        Run run = run(script, "--help");
        assertThat(run.exit())
                .as("%s --help: exit status; stderr %s", script, run.errLines())
                .isZero();
        assertThat(run.out()).startsWith("Usage: " + script).contains(expected);
    }

    @Test
    void everyCommandAnswersHelpWithoutStartingAnything() throws Exception {
        help("run-pipeline.sh", "--orders=N", "--rate=N", "--flat-out-orders=N", "--metrics-port=N");
        help("reconcile.sh", "--bootstrap-servers=HOST:PORT", "--mongo-uri-file=FILE");
        help("chaos.sh", "--minutes=M", "--seed=S");
        help(
                "bench-pipeline.sh",
                "--rates=200,1000,5000",
                "--peer-string-payloads",
                "--repeat=N",
                "--jfr",
                "--mongo-gc=zgc|g1");
        help("bench-reconcile.sh", "--events=N", "--heap=SIZE");
    }

    @Test
    void wrongUsageIsOneLineNamingTheOptionAndExitStatusTwo() throws Exception {
        wrongUsage("'--minutes'", "chaos.sh", "--minutes");
        wrongUsage("'--minutes': 'soon'", "chaos.sh", "--minutes", "soon");
        wrongUsage("--kafka", "chaos.sh", "--kafka", "2.8");
        wrongUsage("'--backlog': '1e5'", "bench-pipeline.sh", "--backlog", "1e5");
        wrongUsage("'--rates' (200,1000,5000): 'fast' is not a double", "bench-pipeline.sh", "--rates", "200,fast");
        wrongUsage("'--events': 'lots'", "bench-reconcile.sh", "--events", "lots");
        wrongUsage("'--bogus'", "run-pipeline.sh", "--bogus");
        wrongUsage("--orders needs a positive number", "run-pipeline.sh", "--orders", "0");
        wrongUsage("--metrics-port", "run-pipeline.sh", "--metrics-port", "70000");
        wrongUsage("--rate needs a positive number", "run-pipeline.sh", "--rate", "0");
        wrongUsage("--flat-out-orders needs 0 or a positive number", "run-pipeline.sh", "--flat-out-orders", "-1");
        wrongUsage("--mongo-gc must be zgc or g1", "bench-pipeline.sh", "--mongo-gc", "cms");
        wrongUsage("--repeat needs a positive number", "bench-pipeline.sh", "--repeat", "0");
        wrongUsage(
                "--batch-size",
                "reconcile.sh",
                "--bootstrap-servers",
                "localhost:1",
                "--database",
                "d",
                "--batch-size",
                "x");
        wrongUsage("MONGODB_URI", "reconcile.sh", "--bootstrap-servers", "localhost:1", "--database", "d");
    }
}
