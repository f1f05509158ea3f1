package dev.outboxkit.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.outboxkit.testkit.Wait;

/**
 * {@code ./run-pipeline.sh} run as a user runs it, in its own process, with the plugins this build made
 * (OUTBOXKIT_SKIP_BUILD=1: the reactor has just packaged the quickstart module). Its standard output is kept in a
 * file under target/ and read back to wait for lines and to parse the report.
 */
public final class LocalPipelineRun implements AutoCloseable {

    private final Process process;
    private final Path output;

    public LocalPipelineRun(String name, String... options) throws IOException {
        Path repository = ConnectStack.configsDir().toAbsolutePath().normalize().getParent();
        output = Path.of("target", "local-pipeline-" + name + ".out").toAbsolutePath();
        Files.createDirectories(output.getParent());
        List<String> command = new ArrayList<>(
                List.of("bash", repository.resolve("run-pipeline.sh").toString()));
        command.addAll(List.of(options));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(repository.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("OUTBOXKIT_SKIP_BUILD", "1");
        process = builder.start();
    }

    public String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + output, e);
        }
    }

    /** Waits until the output has a line matching the pattern and returns its first group (or the whole match). */
    public String awaitLine(String what, Pattern pattern, Duration timeout) {
        String[] found = new String[1];
        Wait.until(
                what + " in the output of run-pipeline.sh (" + output + ")",
                timeout,
                () -> {
                    Matcher matcher = pattern.matcher(output());
                    if (matcher.find()) {
                        found[0] = matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
                        return true;
                    }
                    if (!process.isAlive()) {
                        throw new AssertionError("run-pipeline.sh exited with " + process.exitValue() + " before "
                                + what + ":\n" + output());
                    }
                    return false;
                },
                this::tail);
        return found[0];
    }

    /** A number in the report, e.g. {@code reportNumber("events committed")}. */
    public long reportNumber(String label) {
        Matcher matcher =
                Pattern.compile("\\n  " + Pattern.quote(label) + " +([0-9,]+)").matcher(output());
        if (!matcher.find()) {
            throw new AssertionError("No '" + label + "' in the report of run-pipeline.sh:\n" + output());
        }
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }

    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("run-pipeline.sh did not finish within " + timeout.toSeconds() + " s:\n" + tail());
        }
        return process.exitValue();
    }

    private String tail() {
        String text = output();
        return text.length() > 3000 ? "..." + text.substring(text.length() - 3000) : text;
    }

    /** Ctrl-C, as the README tells --keep-running users: the shutdown hook stops Kafka, Connect and the databases. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
