package dev.outboxkit.testkit.mongo;

import java.net.InetSocketAddress;
import java.util.UUID;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * The MongoDB the tests write to: the server at {@code MONGODB_URI} when that variable is set (a real
 * MongoDB), otherwise an in-JVM wire-protocol server (mongo-java-server, memory backend) on a free port. Either
 * way the tests talk to it through the real driver. Each test class gets its own database name, so test classes can
 * share one server ({@link #shared()}).
 */
public final class MongoTestServer implements AutoCloseable {

    private final MongoServer embedded;
    private final String host;
    private final int port;
    private final String externalUri;
    private final MongoClient client;

    private static MongoTestServer shared;

    /**
     * One server for every test class of this JVM that only reads and writes (each in a database of its own), started
     * on first use and stopped when the JVM exits. Tests that stop or cut MongoDB make their own.
     */
    public static synchronized MongoTestServer shared() {
        if (shared == null) {
            MongoTestServer server = new MongoTestServer();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mongo-test-server-stop"));
            shared = server;
        }
        return shared;
    }

    public MongoTestServer() {
        String fromEnvironment = System.getenv("MONGODB_URI");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            embedded = null;
            externalUri = fromEnvironment;
            com.mongodb.ConnectionString parsed = new com.mongodb.ConnectionString(fromEnvironment);
            String[] hostPort = parsed.getHosts().get(0).split(":");
            host = hostPort[0];
            port = hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 27017;
        } else {
            embedded = new MongoServer(new MemoryBackend());
            embedded.bind("127.0.0.1", 0);
            InetSocketAddress address = embedded.getLocalAddress();
            externalUri = null;
            host = address.getHostString();
            port = address.getPort();
        }
        client = MongoClients.create(uri());
    }

    /** A connection string to this server. */
    public String uri() {
        return externalUri != null ? externalUri : "mongodb://" + host + ":" + port + "/?serverSelectionTimeoutMS=3000";
    }

    /** The same server reached through another host and port (a proxy), with the given options. */
    public String uriVia(String viaHost, int viaPort, String options) {
        return "mongodb://" + viaHost + ":" + viaPort + "/?" + options;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** A direct client, for setting up and checking what is stored. */
    public MongoClient client() {
        return client;
    }

    public static String uniqueDatabase(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() {
        client.close();
        if (embedded != null) {
            embedded.shutdownNow();
        }
    }
}
