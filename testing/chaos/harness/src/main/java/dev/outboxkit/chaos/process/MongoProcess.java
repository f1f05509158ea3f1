package dev.outboxkit.chaos.process;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * MongoDB for the run when no --mongo-uri is given: the in-JVM wire-protocol server (memory backend) in a process
 * of its own, so that the harness's own pauses never stall it and the proxy in front of it is the only way faults
 * reach it.
 *
 * <p>Given an arrival log, the server also writes one line per document it was asked to insert or upsert by id:
 * the wall-clock time in microseconds at which the write command finished (just before the acknowledgement goes
 * back) and the document's {@code _id}, only for the documents the server took (not those its reply lists as write
 * errors, such as a duplicate key), and per command how long the server worked on it. The pipeline benchmark reads commit-to-MongoDB latency from it, for any sink,
 * without querying MongoDB while it measures.
 */
public final class MongoProcess {

    private MongoProcess() {}

    /** Runs the server on the given port until the process is killed; args: port [arrival-log]. */
    public static void main(String[] args) throws InterruptedException, IOException {
        MemoryBackend backend = args.length > 1 ? new ArrivalRecordingBackend(Path.of(args[1])) : new MemoryBackend();
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", Integer.parseInt(args[0]));
        System.out.println("MongoDB wire-protocol server listening on 127.0.0.1:" + args[0]);
        Thread.currentThread().join();
    }

    /**
     * The garbage collector of the server's JVM, {@code zgc} (the default) or {@code g1}: set by a benchmark's
     * --mongo-gc. The memory backend keeps every document on the heap, live until the run ends; with G1 each young
     * collection copies the documents written since the last ones (between survivor spaces, up to 15 times before
     * they are promoted), so its pauses grew with the data: 23 ms at first, 90-130 ms after a minute at 1,000 events/s,
     * each one a stall of every write in flight (in a flight recording of the pipeline benchmark, 49 of the 63 replies
     * the sink tasks waited 80 ms or more for overlapped such a pause). A real mongod has no such pauses;
     * ZGC collects concurrently, with pauses under a millisecond.
     */
    public static final String GC_PROPERTY = "outboxkit.chaos.mongo-gc";

    static List<String> gcOptions() {
        String gc = System.getProperty(GC_PROPERTY, "zgc");
        return switch (gc) {
            case "zgc" -> List.of("-XX:+UseZGC");
            case "g1" -> List.of("-XX:+UseG1GC");
            default ->
                throw new IllegalArgumentException("The MongoDB server's GC must be zgc or g1, not '" + gc + "'");
        };
    }

    public static JvmProcess launcher(int port, Path directory) {
        return launcher(port, directory, null);
    }

    /** The server, recording arrivals to the given file when it is not null. */
    public static JvmProcess launcher(int port, Path directory, Path arrivalLog) {
        List<String> args = new ArrayList<>(List.of(Integer.toString(port)));
        if (arrivalLog != null) {
            args.add(arrivalLog.toString());
        }
        return new JvmProcess(
                "mongodb",
                System.getProperty("java.class.path"),
                Stream.concat(Stream.of("-Xmx3g"), gcOptions().stream()).toList(),
                MongoProcess.class.getName(),
                args,
                directory.resolve("mongodb.log"));
    }

    /**
     * The memory backend, writing "micros id" for every document of a finished insert or by-id update command, after
     * a line "#micros server-micros documents" for the command itself.
     */
    static final class ArrivalRecordingBackend extends MemoryBackend {

        private final BufferedWriter log;

        ArrivalRecordingBackend(Path file) throws IOException {
            log = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            Thread flusher = new Thread(this::flushEvery100Ms, "arrival-log-flusher");
            flusher.setDaemon(true);
            flusher.start();
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            long started = System.nanoTime();
            Document reply = super.handleCommand(channel, databaseName, command, query);
            if (command.equalsIgnoreCase("insert") || command.equalsIgnoreCase("update")) {
                record(command, query, refused(reply), System.nanoTime() - started);
            }
            return reply;
        }

        /**
         * The indexes of the command's documents the server refused (its reply's writeErrors, e.g. a duplicate key): those
         * did not arrive. A failed command ({@code ok: 0}) refused them all (null).
         */
        private static Set<Integer> refused(Document reply) {
            Object ok = reply.get("ok");
            if (ok instanceof Number number && number.doubleValue() != 1.0) {
                return null;
            }
            Set<Integer> indexes = new HashSet<>();
            if (reply.get("writeErrors") instanceof List<?> errors) {
                for (Object error : errors) {
                    if (error instanceof Document document && document.get("index") instanceof Number index) {
                        indexes.add(index.intValue());
                    }
                }
            }
            return indexes;
        }

        private void record(String command, Document query, Set<Integer> refused, long serverNanos) {
            if (refused == null) {
                return;
            }
            long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
            Object items = query.get(command.equalsIgnoreCase("insert") ? "documents" : "updates");
            if (!(items instanceof List<?> list)) {
                return;
            }
            StringBuilder lines = new StringBuilder(list.size() * 32 + 32);
            // A command line: when it finished, how long the server worked on it, and how many documents it held.
            lines.append('#')
                    .append(micros)
                    .append(' ')
                    .append(serverNanos / 1000)
                    .append(' ')
                    .append(list.size())
                    .append('\n');
            for (int index = 0; index < list.size(); index++) {
                if (refused.contains(index) || !(list.get(index) instanceof Document document)) {
                    continue;
                }
                Object id = command.equalsIgnoreCase("insert") ? document.get("_id") : idOfFilter(document.get("q"));
                if (id != null) {
                    lines.append(micros).append(' ').append(id).append('\n');
                }
            }
            synchronized (log) {
                try {
                    log.write(lines.toString());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        private static Object idOfFilter(Object filter) {
            return filter instanceof Document document ? document.get("_id") : null;
        }

        private void flushEvery100Ms() {
            while (true) {
                try {
                    Thread.sleep(100);
                    synchronized (log) {
                        log.flush();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
