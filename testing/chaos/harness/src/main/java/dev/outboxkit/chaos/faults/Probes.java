package dev.outboxkit.chaos.faults;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import dev.outboxkit.chaos.Cluster;

/**
 * Looks from the outside at what a fault did: each probe opens a fresh connection, as a client arriving now would, so
 * that the answer says what the system does at this moment and not what a pooled connection remembers.
 */
final class Probes {

    private final Cluster cluster;

    Probes(Cluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Milliseconds a new client takes through the MongoDB proxy to connect and answer a ping, or -1 when it cannot
     * within the timeout (refused, reset or hanging).
     */
    long mongoThroughProxyMs(int timeoutMs) {
        String uri = "mongodb://127.0.0.1:" + cluster.mongoProxy().port()
                + "/?directConnection=true&serverSelectionTimeoutMS=" + timeoutMs + "&connectTimeoutMS=" + timeoutMs
                + "&socketTimeoutMS=" + timeoutMs;
        long started = System.nanoTime();
        try (MongoClient client = MongoClients.create(uri)) {
            client.getDatabase("admin").runCommand(new Document("ping", 1));
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Whether a TCP connection to the port on loopback is refused now. */
    static boolean refuses(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Whether the broker answers a metadata request from a new client. */
    boolean brokerAnswers() {
        Properties props = new Properties();
        props.put("bootstrap.servers", cluster.kafka().bootstrapServers());
        props.put("request.timeout.ms", "3000");
        props.put("default.api.timeout.ms", "5000");
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /** Whether the source database (directly, not through its proxy) answers a query on a new connection. */
    boolean databaseAnswers() {
        try (Connection connection = cluster.database().connect(Cluster.DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            return rows.next();
        } catch (Exception e) {
            return false;
        }
    }
}
