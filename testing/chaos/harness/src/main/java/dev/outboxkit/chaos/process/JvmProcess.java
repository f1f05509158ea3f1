package dev.outboxkit.chaos.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One JVM of the run (the broker, a worker, MongoDB), started from a directory of jars, its output appended to a log
 * file. {@link #kill()} is {@code kill -9}: no shutdown hook runs, nothing is flushed, as when a machine dies.
 */
public final class JvmProcess {

    private final String name;
    private final List<String> command;
    private final Path logFile;
    private Process process;

    public JvmProcess(
            String name, String classpath, List<String> jvmOptions, String mainClass, List<String> args, Path logFile) {
        this.name = name;
        this.logFile = logFile;
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(profilingOptions(name, logFile.getParent()));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        this.command = List.copyOf(cmd);
    }

    /**
     * Set (to any value) by a benchmark's --jfr: every process of the run records a flight recording (profile
     * settings) and a GC log beside its log file, named after it, written when it exits or is stopped.
     */
    public static final String PROFILE_PROPERTY = "outboxkit.chaos.jfr";

    static List<String> profilingOptions(String name, Path directory) {
        if (System.getProperty(PROFILE_PROPERTY) == null || directory == null) {
            return List.of();
        }
        Path jfr = directory.resolve(name + ".jfr").toAbsolutePath();
        Path gc = directory.resolve(name + "-gc.log").toAbsolutePath();
        return List.of(
                "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + jfr,
                "-Xlog:gc*,safepoint:file=" + gc + ":uptime,time,level,tags");
    }

    /** All jars of a directory, as a class path. */
    public static String jarsOf(Path directory) {
        File[] jars = directory.toFile().listFiles((dir, file) -> file.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException(
                    "No jars in " + directory + ": build first (./mvnw -pl chaos -am package -DskipTests)");
        }
        List<String> paths = new ArrayList<>();
        for (File jar : jars) {
            paths.add(jar.getAbsolutePath());
        }
        paths.sort(String::compareTo);
        return String.join(File.pathSeparator, paths);
    }

    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start " + name, e);
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and wait until the process is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitFor(30);
    }

    /** SIGTERM (a graceful stop: shutdown hooks run), then SIGKILL if it is still there after the grace period. */
    public synchronized void stop(int graceSeconds) {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!waitFor(graceSeconds)) {
            process.destroyForcibly();
            waitFor(30);
        }
    }

    /**
     * Sends a signal by name ({@code STOP}, {@code CONT}) with the system's {@code kill}: a stopped process keeps its
     * sockets open and answers nothing, as a machine that hangs does.
     */
    public synchronized void signal(String name) {
        if (!isAlive()) {
            throw new IllegalStateException(this.name + " is not running: cannot send SIG" + name);
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run kill -" + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The process's state letter from /proc (R, S, T for stopped, ...), or "?" when it cannot be read. */
    public synchronized String state() {
        if (process == null) {
            return "?";
        }
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private boolean waitFor(int seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name + (isAlive() ? " (pid " + pid() + ")" : " (down)");
    }
}
