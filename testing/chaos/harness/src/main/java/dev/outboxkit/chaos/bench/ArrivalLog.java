package dev.outboxkit.chaos.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the arrival log the in-process MongoDB writes (see {@code MongoProcess}): "micros id" per document written,
 * and "#micros server-micros documents" per write command.
 * Keeps the first arrival of each id (a redelivered event is written again, but it arrived the first time), reading
 * only what was appended since the last {@link #refresh()}.
 */
public final class ArrivalLog {

    private final Path file;
    private final Map<String, Long> firstArrival = new HashMap<>();
    private final StringBuilder partialLine = new StringBuilder();
    private final List<Long> commandMicros = new ArrayList<>();
    private final List<Long> commandDocuments = new ArrayList<>();
    private long position;

    public ArrivalLog(Path file) {
        this.file = file;
    }

    /** Reads what was appended; returns the number of distinct ids arrived so far. */
    public synchronized int refresh() {
        if (!Files.exists(file)) {
            return 0;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > position) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - position, 64 << 20));
                while (position < size) {
                    buffer.clear();
                    int read = channel.read(buffer, position);
                    if (read <= 0) {
                        break;
                    }
                    position += read;
                    buffer.flip();
                    parse(StandardCharsets.UTF_8.decode(buffer));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the arrival log " + file, e);
        }
        return firstArrival.size();
    }

    private void parse(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\n') {
                partialLine.append(c);
                continue;
            }
            int space = partialLine.indexOf(" ");
            if (partialLine.length() > 0 && partialLine.charAt(0) == '#') {
                int second = partialLine.indexOf(" ", space + 1);
                commandMicros.add(Long.parseLong(partialLine, space + 1, second, 10));
                commandDocuments.add(Long.parseLong(partialLine, second + 1, partialLine.length(), 10));
            } else if (space > 0) {
                long micros = Long.parseLong(partialLine, 0, space, 10);
                firstArrival.putIfAbsent(partialLine.substring(space + 1), micros);
            }
            partialLine.setLength(0);
        }
    }

    /** The first arrival of the id in wall-clock microseconds, or null when it has not arrived (as of the last refresh). */
    public synchronized Long arrivalMicros(String id) {
        return firstArrival.get(id);
    }

    /** Write commands recorded so far: a mark to pass to {@link #serverTime} later. */
    public synchronized int commands() {
        return commandMicros.size();
    }

    /** How long the server worked on each write command recorded since the mark, and their mean size in documents. */
    public synchronized ServerTime serverTime(int sinceCommand) {
        List<Long> micros = commandMicros.subList(sinceCommand, commandMicros.size());
        double documents = commandDocuments.subList(sinceCommand, commandDocuments.size()).stream()
                .mapToLong(Long::longValue)
                .average()
                .orElse(0);
        return new ServerTime(
                Latency.of(micros.stream().mapToLong(Long::longValue).toArray()),
                documents,
                micros.stream().mapToLong(Long::longValue).sum());
    }

    /** The server's own time per write command, the commands' mean size, and the sum of their times (µs). */
    public record ServerTime(Latency perCommand, double documentsPerCommand, long busyMicros) {}

    public synchronized int arrived() {
        return firstArrival.size();
    }
}
