package dev.outboxkit.chaos.process;

import java.nio.file.Path;
import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * MongoDB for the run when no --mongo-uri is given: the in-JVM wire-protocol server (memory backend) in a process
 * of its own, so that the harness's own pauses never stall it and the proxy in front of it is the only way faults
 * reach it.
 */
public final class MongoProcess {

    private MongoProcess() {
    }

    /** Runs the server on the given port until the process is killed. */
    public static void main(String[] args) throws InterruptedException {
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", Integer.parseInt(args[0]));
        System.out.println("MongoDB wire-protocol server listening on 127.0.0.1:" + args[0]);
        Thread.currentThread().join();
    }

    public static JvmProcess launcher(int port, Path directory) {
        return new JvmProcess("mongodb", System.getProperty("java.class.path"), List.of("-Xmx2g", "-XX:+UseG1GC"),
                MongoProcess.class.getName(), List.of(Integer.toString(port)), directory.resolve("mongodb.log"));
    }
}
