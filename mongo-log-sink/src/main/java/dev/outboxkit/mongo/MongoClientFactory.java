package dev.outboxkit.mongo;

import java.util.concurrent.TimeUnit;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;

/** Builds the driver client from the connection string, with the sink's defaults where the string is silent. */
final class MongoClientFactory {

    static final long DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 10_000;
    /**
     * Without a socket timeout a read waits forever: a network that drops packets without a reset (a partition, a
     * blackholed host) would hang put() past max.poll.interval.ms instead of turning into retries.
     */
    static final int DEFAULT_SOCKET_TIMEOUT_MS = 30_000;

    private static final String APPLICATION_NAME = "outboxkit-mongo-log-sink";

    private MongoClientFactory() {}

    static MongoClient create(ConnectionString connectionString) {
        return create(
                connectionString,
                connectionString.getServerSelectionTimeout() == null
                        ? DEFAULT_SERVER_SELECTION_TIMEOUT_MS
                        : connectionString.getServerSelectionTimeout());
    }

    static MongoClient create(ConnectionString connectionString, long serverSelectionTimeoutMs) {
        return com.mongodb.client.MongoClients.create(settings(connectionString, serverSelectionTimeoutMs));
    }

    /** The driver settings: the connection string's, with the sink's defaults where it is silent. */
    static MongoClientSettings settings(ConnectionString connectionString, long serverSelectionTimeoutMs) {
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applyConnectionString(connectionString)
                .applyToClusterSettings(
                        cluster -> cluster.serverSelectionTimeout(serverSelectionTimeoutMs, TimeUnit.MILLISECONDS));
        if (connectionString.getSocketTimeout() == null) {
            settings.applyToSocketSettings(
                    socket -> socket.readTimeout(DEFAULT_SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        }
        if (connectionString.getApplicationName() == null) {
            settings.applicationName(APPLICATION_NAME);
        }
        return settings.build();
    }
}
