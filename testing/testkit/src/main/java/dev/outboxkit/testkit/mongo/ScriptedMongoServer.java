package dev.outboxkit.testkit.mongo;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * An in-JVM MongoDB (mongo-java-server's memory backend) that answers write commands the way real deployments do
 * when they are in trouble, on demand, at the wire protocol: the real driver parses every reply as it would a real
 * server's. Scripted with {@link #failWrites}, {@link #writeConcernErrorAfterApplying} and {@link #failDocuments}
 * using the reply shapes of {@link ServerError} (taken from MongoDB's documented error codes, the command reply
 * format and the retryable-writes specification, and Azure Cosmos DB's throttling reply).
 *
 * <p>Unordered bulk writes ({@code insert} and {@code update}) are applied one document at a time, so that, as a real
 * MongoDB does, the reply holds one write error per failed document with its index in the command (the memory
 * backend alone reports only the first in some cases), whether the error is scripted or the backend's own (a
 * duplicate key). Documents without an error are applied and stay applied.
 *
 * <p>It presents itself as a standalone server, so the driver does not retry a write itself (it retries once only
 * against replica sets): every scripted fault reaches the sink. Faults apply to every client, so set up data first,
 * then script; {@link #client()} reads through the same server.
 */
public final class ScriptedMongoServer implements AutoCloseable {

    /**
     * An error reply as servers send it: {@code code}, {@code codeName}, {@code errmsg} and, for errors the
     * retryable-writes specification calls retryable, the {@code RetryableWriteError} label.
     */
    public record ServerError(int code, String codeName, String errmsg, List<String> errorLabels) {

        /** An election: the node that took the write is no longer primary (code 10107). */
        public static ServerError notWritablePrimary() {
            return new ServerError(10107, "NotWritablePrimary", "not primary", List.of("RetryableWriteError"));
        }

        /** An election during the write: the primary stepped down (code 189). */
        public static ServerError primarySteppedDown() {
            return new ServerError(
                    189,
                    "PrimarySteppedDown",
                    "the node stepped down while the operation ran",
                    List.of("RetryableWriteError"));
        }

        /** A node shutting down interrupted the write (code 11600). */
        public static ServerError interruptedAtShutdown() {
            return new ServerError(
                    11600, "InterruptedAtShutdown", "interrupted at shutdown", List.of("RetryableWriteError"));
        }

        /** Azure Cosmos DB's rate limiting (code 16500) with its retry hint in the message. */
        public static ServerError cosmosThrottled(long retryAfterMs) {
            return new ServerError(
                    16500,
                    "RequestRateTooLarge",
                    "Error=16500, RetryAfterMs=" + retryAfterMs
                            + ", Details='Response status code does not indicate success: TooManyRequests (429); Request rate is"
                            + " large. More Request Units may be needed, so no changes were made. Please retry this request"
                            + " later.'",
                    List.of());
        }

        /** The node's disk is full (code 14031). */
        public static ServerError outOfDiskSpace() {
            return new ServerError(14031, "OutOfDiskSpace", "no space left on the data volume", List.of());
        }

        /** MongoDB Atlas blocks writes on a cluster over its storage quota (code 8000, AtlasError). */
        public static ServerError atlasOverQuota() {
            return new ServerError(
                    8000, "AtlasError", "you are over your space quota, using 513 MB of 512 MB", List.of());
        }

        /** The sink's user lost a privilege (a role changed): code 13. */
        public static ServerError unauthorized() {
            return new ServerError(
                    13, "Unauthorized", "not authorized on this database to execute command insert", List.of());
        }

        /** The collection's validator refused the document (code 121). */
        public static ServerError documentValidationFailure() {
            return new ServerError(121, "DocumentValidationFailure", "Document failed validation", List.of());
        }

        /** A write concern that could not be satisfied in time (code 64, with {@code errInfo.wtimeout}). */
        public static ServerError writeConcernTimeout() {
            return new ServerError(64, "WriteConcernFailed", "waiting for replication timed out", List.of());
        }

        Document asCommandReply() {
            Document reply = new Document("ok", 0.0)
                    .append("errmsg", errmsg)
                    .append("code", code)
                    .append("codeName", codeName);
            if (!errorLabels.isEmpty()) {
                reply.append("errorLabels", new ArrayList<>(errorLabels));
            }
            return reply;
        }

        Document asWriteError(int index) {
            return new Document("index", index)
                    .append("code", code)
                    .append("codeName", codeName)
                    .append("errmsg", errmsg);
        }
    }

    /** A scripted fault with how many more times it applies (per document for document faults). */
    private static final class Times {
        final AtomicInteger left;

        Times(int times) {
            left = new AtomicInteger(times);
        }

        boolean take() {
            return left.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
        }
    }

    private record CommandFault(ServerError error, Times times) {}

    private record DocumentFault(ServerError error, Map<Object, Times> byId) {}

    private final ConcurrentLinkedQueue<CommandFault> commandFaults = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CommandFault> writeConcernFaults = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<DocumentFault> documentFaults = new ConcurrentLinkedQueue<>();
    private final AtomicInteger writeCommands = new AtomicInteger();
    private final Map<Object, AtomicInteger> refusalsById = new ConcurrentHashMap<>();
    private volatile boolean cosmosDuplicates;
    private final MongoServer server;
    private final String host;
    private final int port;
    private final MongoClient client;

    public ScriptedMongoServer() {
        server = new MongoServer(new ScriptedBackend());
        server.bind("127.0.0.1", 0);
        InetSocketAddress address = server.getLocalAddress();
        host = address.getHostString();
        port = address.getPort();
        client = MongoClients.create(uri());
    }

    /** A connection string to this server. */
    public String uri() {
        return "mongodb://" + host + ":" + port + "/?serverSelectionTimeoutMS=3000";
    }

    /** A direct client for setting up and checking what is stored (it meets the scripted faults too). */
    public MongoClient client() {
        return client;
    }

    /** The next {@code times} insert or update commands fail as a whole with this error, applying nothing. */
    public void failWrites(int times, ServerError error) {
        commandFaults.add(new CommandFault(error, new Times(times)));
    }

    /**
     * The next {@code times} insert or update commands are applied, then answered with this error as a
     * {@code writeConcernError}: the documents are stored but not (yet) as durably as the client asked.
     */
    public void writeConcernErrorAfterApplying(int times, ServerError error) {
        writeConcernFaults.add(new CommandFault(error, new Times(times)));
    }

    /**
     * Each document whose {@code _id} is one of {@code ids} fails with this per-document write error the next
     * {@code times} times it is written ({@link Integer#MAX_VALUE}: always), while the other documents of the same
     * command are applied.
     */
    public void failDocuments(Collection<?> ids, int times, ServerError error) {
        Map<Object, Times> byId = new ConcurrentHashMap<>();
        ids.forEach(id -> byId.put(id, new Times(times)));
        documentFaults.add(new DocumentFault(error, byId));
    }

    /**
     * From now on, a duplicate key is reported as Azure Cosmos DB reports it: code 11000 with a message that names
     * no index ("Failed _id or unique index constraint") and no {@code keyPattern}, so a client cannot tell a
     * duplicate {@code _id} from another unique index by the error alone.
     */
    public void answerDuplicatesLikeCosmosDb() {
        cosmosDuplicates = true;
    }

    /** How many insert and update commands reached the server (each attempt of the sink's writes counts). */
    public int writeCommands() {
        return writeCommands.get();
    }

    /** How many times a scripted per-document error was sent for the document with this {@code _id}. */
    public int refusals(Object id) {
        AtomicInteger count = refusalsById.get(id);
        return count == null ? 0 : count.get();
    }

    /** Every scripted fault used up (a document fault's ids each failed as often as scripted). */
    public boolean faultsUsedUp() {
        return commandFaults.stream().allMatch(f -> f.times().left.get() == 0)
                && writeConcernFaults.stream().allMatch(f -> f.times().left.get() == 0)
                && documentFaults.stream()
                        .allMatch(f -> f.byId().values().stream().allMatch(t -> t.left.get() == 0));
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }

    private final class ScriptedBackend extends MemoryBackend {

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            boolean insert = "insert".equalsIgnoreCase(command);
            boolean update = "update".equalsIgnoreCase(command);
            if (!insert && !update) {
                return super.handleCommand(channel, database, command, query);
            }
            writeCommands.incrementAndGet();
            for (CommandFault fault : commandFaults) {
                if (fault.times().take()) {
                    return fault.error().asCommandReply();
                }
            }
            Document reply = insert ? insertEach(channel, database, query) : updateEach(channel, database, query);
            for (CommandFault fault : writeConcernFaults) {
                if (fault.times().take()) {
                    ServerError error = fault.error();
                    reply.append(
                            "writeConcernError",
                            new Document("code", error.code())
                                    .append("codeName", error.codeName())
                                    .append("errmsg", error.errmsg())
                                    .append("errInfo", new Document("wtimeout", true)));
                    break;
                }
            }
            return reply;
        }

        /** The insert's documents one by one: {@code n} applied, one write error per document that failed. */
        private Document insertEach(Channel channel, String database, Document query) {
            @SuppressWarnings("unchecked")
            List<Document> documents = (List<Document>) query.get("documents");
            String collection = (String) query.get("insert");
            List<Document> writeErrors = new ArrayList<>();
            int applied = 0;
            for (int index = 0; index < documents.size(); index++) {
                Document document = documents.get(index);
                ServerError scripted = scriptedFor(document.get("_id"));
                if (scripted != null) {
                    writeErrors.add(scripted.asWriteError(index));
                    continue;
                }
                Document single = new Document("insert", collection)
                        .append("documents", List.of(document))
                        .append("ordered", true);
                Document result = super.handleCommand(channel, database, "insert", single);
                Document error = firstWriteError(result, index, database, collection);
                if (error != null) {
                    writeErrors.add(error);
                } else {
                    applied += ((Number) result.get("n")).intValue();
                }
            }
            Document reply = new Document("n", applied);
            if (!writeErrors.isEmpty()) {
                reply.append("writeErrors", writeErrors);
            }
            return reply.append("ok", 1.0);
        }

        /** The update's statements one by one, with {@code n}, {@code nModified} and {@code upserted} as MongoDB adds them up. */
        private Document updateEach(Channel channel, String database, Document query) {
            @SuppressWarnings("unchecked")
            List<Document> statements = (List<Document>) query.get("updates");
            String collection = (String) query.get("update");
            List<Document> writeErrors = new ArrayList<>();
            List<Document> upserted = new ArrayList<>();
            int matched = 0;
            int modified = 0;
            for (int index = 0; index < statements.size(); index++) {
                Document statement = statements.get(index);
                Object id = statement.get("q") instanceof Document filter ? filter.get("_id") : null;
                ServerError scripted = scriptedFor(id);
                if (scripted != null) {
                    writeErrors.add(scripted.asWriteError(index));
                    continue;
                }
                Document single = new Document("update", collection)
                        .append("updates", List.of(statement))
                        .append("ordered", true);
                Document result = super.handleCommand(channel, database, "update", single);
                Document error = firstWriteError(result, index, database, collection);
                if (error != null) {
                    writeErrors.add(error);
                    continue;
                }
                if (result.get("upserted") instanceof List<?> ids && !ids.isEmpty()) {
                    Document one = new Document((Document) ids.get(0));
                    one.put("index", index);
                    upserted.add(one);
                    matched += 1;
                } else {
                    matched += ((Number) result.get("n")).intValue();
                    modified += ((Number) result.getOrDefault("nModified", 0)).intValue();
                }
            }
            Document reply = new Document("n", matched).append("nModified", modified);
            if (!upserted.isEmpty()) {
                reply.append("upserted", upserted);
            }
            if (!writeErrors.isEmpty()) {
                reply.append("writeErrors", writeErrors);
            }
            return reply.append("ok", 1.0);
        }

        private ServerError scriptedFor(Object id) {
            if (id == null) {
                return null;
            }
            for (DocumentFault fault : documentFaults) {
                Times times = fault.byId().get(id);
                if (times != null && times.take()) {
                    refusalsById.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    return fault.error();
                }
            }
            return null;
        }

        /** The backend's own error for a one-document command, re-indexed to the document's place in the client's command. */
        private Document firstWriteError(Document result, int index, String database, String collection) {
            if (result.get("writeErrors") instanceof List<?> errors && !errors.isEmpty()) {
                Document error = new Document((Document) errors.get(0));
                error.put("index", index);
                if (cosmosDuplicates && Integer.valueOf(11000).equals(error.get("code"))) {
                    return new Document("index", index)
                            .append("code", 11000)
                            .append(
                                    "errmsg",
                                    "E11000 duplicate key error collection: " + database + "." + collection
                                            + " Failed _id or unique index constraint.");
                }
                return error;
            }
            return null;
        }
    }

    /** Ids as the sink stores them (strings), for scripting. */
    public static Set<Object> ids(String... ids) {
        return Set.of((Object[]) ids);
    }
}
