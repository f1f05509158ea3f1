package dev.outboxkit.chaos.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time a process has used so far (user + system), from Linux's /proc/PID/stat: the benchmark takes it before and
 * after a phase to say which process the phase's work went to. Clock ticks are taken as 100 a second, Linux's
 * USER_HZ on every mainstream architecture.
 */
final class ProcessCpu {

    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {}

    /** One process's /proc/PID/stat as far as the benchmark needs it. */
    record Stat(long pid, long parent, long ownTicks, long reapedChildrenTicks) {}

    /** Seconds of CPU used by the process so far, or NaN when it cannot be read (not Linux, process gone). */
    static double seconds(long pid) {
        Stat stat = read(pid);
        return stat == null ? Double.NaN : stat.ownTicks() / TICKS_PER_SECOND;
    }

    /**
     * Seconds of CPU used so far by a server and every process under it (PostgreSQL's postmaster and its backends,
     * the WAL sender among them): the root's own time and the time of the children it has already reaped (a backend
     * that ended), plus the same for every live descendant. NaN when the root cannot be read.
     */
    static double treeSeconds(long root) {
        Map<Long, List<Stat>> children = new HashMap<>();
        Stat rootStat = null;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                Stat stat = read(Long.parseLong(process.getFileName().toString()));
                if (stat == null) {
                    continue; // ended meanwhile
                }
                if (stat.pid() == root) {
                    rootStat = stat;
                }
                children.computeIfAbsent(stat.parent(), p -> new ArrayList<>()).add(stat);
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return rootStat == null ? Double.NaN : sumTree(rootStat, children) / TICKS_PER_SECOND;
    }

    /** Ticks of the process and everything under it, given each process's live children. */
    static long sumTree(Stat root, Map<Long, List<Stat>> children) {
        long ticks = 0;
        Deque<Stat> pending = new ArrayDeque<>(List.of(root));
        while (!pending.isEmpty()) {
            Stat stat = pending.pop();
            ticks += stat.ownTicks() + stat.reapedChildrenTicks();
            pending.addAll(children.getOrDefault(stat.pid(), List.of()));
        }
        return ticks;
    }

    private static Stat read(long pid) {
        try {
            return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses a /proc/PID/stat line: pid, ppid (field 4), utime + stime (14, 15), cutime + cstime (16, 17). */
    static Stat parse(String stat) {
        long pid = Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return new Stat(
                pid,
                Long.parseLong(fields[1]),
                Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
                Long.parseLong(fields[13]) + Long.parseLong(fields[14]));
    }
}
