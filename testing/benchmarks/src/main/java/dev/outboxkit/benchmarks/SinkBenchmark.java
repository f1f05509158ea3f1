package dev.outboxkit.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.bson.Document;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.mongo.MongoLogSinkTask;

/**
 * One batch of outbox events into MongoDB, per sink, against the same MongoDB (MONGODB_URI, else an in-JVM
 * wire-protocol server) with the same events: outboxkit's sink; the official MongoSinkConnector with the id in
 * the value as replace-one upserts (its idempotent setup) and as unordered insert-one; and the driver's
 * insertMany(unordered) of the equivalent documents, already built (no JSON parsing, no conversion), as the
 * limit. The sinks start from the payload as JSON text, as they receive it from the router. Every batch carries
 * new event ids; the collection is emptied before each iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SinkBenchmark {

    static final String TOPIC = "outbox.event.Order";
    private static final String DATABASE = "bench";

    @Param({"100", "1000"})
    public int batch;

    @Param({"outboxkit", "mongo-kafka-replace", "mongo-kafka-insert", "raw-insertMany"})
    public String sink;

    private MongoServer embedded;
    private String uri;
    private MongoClient client;
    private SinkTask task;
    private IsolatedPlugin plugin;
    private MongoCollection<Document> collection;
    private static final int PAYLOADS = 4096;
    /** For the raw limit, payloads are parsed ahead: it inserts ready documents and does no conversion at all. */
    private final Document[] parsedPayloads = new Document[PAYLOADS];

    private long nextId;
    private long nextOffset;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String fromEnvironment = System.getenv("MONGODB_URI");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            uri = fromEnvironment;
        } else {
            embedded = new MongoServer(new MemoryBackend());
            embedded.bind("127.0.0.1", 0);
            uri = "mongodb://127.0.0.1:" + embedded.getLocalAddress().getPort();
        }
        client = MongoClients.create(uri);
        for (int i = 0; i < PAYLOADS; i++) {
            parsedPayloads[i] = Document.parse(Payloads.orderJson(i));
        }
        collection = client.getDatabase(DATABASE).getCollection(TOPIC);
        Map<String, String> props = new HashMap<>();
        props.put("name", "bench-" + sink);
        props.put("topics", TOPIC);
        props.put("connection.uri", uri);
        props.put("database", DATABASE);
        switch (sink) {
            case "outboxkit":
                props.put("indexes.create", "false");
                task = new MongoLogSinkTask();
                break;
            case "mongo-kafka-replace":
            case "mongo-kafka-insert":
                props.put("collection", TOPIC);
                props.put(
                        "document.id.strategy",
                        "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy");
                props.put(
                        "writemodel.strategy",
                        sink.endsWith("replace")
                                ? "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneDefaultStrategy"
                                : "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy");
                props.put("bulk.write.ordered", "false");
                plugin = IsolatedPlugin.fromDirectory(IsolatedPlugin.defaultDirectory("mongo-kafka-connect"));
                task = (SinkTask) plugin.loadClass("com.mongodb.kafka.connect.sink.MongoSinkTask")
                        .getDeclaredConstructor()
                        .newInstance();
                break;
            default:
                break;
        }
        if (task != null) {
            task.initialize(new BenchSinkContext());
            task.start(props);
        }
    }

    @Setup(Level.Iteration)
    public void emptyCollection() {
        collection.drop();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (task != null) {
            task.stop();
        }
        if (plugin != null) {
            plugin.close();
        }
        client.close();
        if (embedded != null) {
            embedded.shutdownNow();
        }
    }

    @Benchmark
    public void writeBatch() {
        if (sink.equals("raw-insertMany")) {
            List<Document> documents = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                long id = nextId++;
                long offset = nextOffset++;
                documents.add(new Document("_id", eventId(id))
                        .append("aggregateType", "Order")
                        .append("aggregateId", aggregateId(id))
                        .append("eventType", "OrderCreated")
                        .append("timestamp", new java.util.Date(1_763_800_000_000L + offset))
                        .append(
                                "kafka",
                                new Document("topic", TOPIC)
                                        .append("partition", 0)
                                        .append("offset", offset))
                        .append("payload", parsedPayloads[(int) (id % PAYLOADS)]));
            }
            collection.insertMany(documents, new InsertManyOptions().ordered(false));
            return;
        }
        List<SinkRecord> records = new ArrayList<>(batch);
        boolean idInValue = sink.startsWith("mongo-kafka");
        for (int i = 0; i < batch; i++) {
            long id = nextId++;
            long offset = nextOffset++;
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("id", eventId(id));
            headers.addString("eventType", "OrderCreated");
            String value = idInValue ? fullDocumentJson(id, offset) : Payloads.orderJson((int) (id % PAYLOADS));
            records.add(new SinkRecord(
                    TOPIC,
                    0,
                    Schema.STRING_SCHEMA,
                    aggregateId(id),
                    Schema.STRING_SCHEMA,
                    value,
                    offset,
                    1_763_800_000_000L + offset,
                    TimestampType.CREATE_TIME,
                    headers));
        }
        task.put(records);
    }

    private static String eventId(long id) {
        return "7c9e6679-7425-40de-944b-" + String.format("%012d", id);
    }

    private static String aggregateId(long id) {
        return "order-" + (id % 97);
    }

    /** The document outboxkit stores for an event, as the official sink and raw insertMany get it. */
    private static String fullDocumentJson(long id, long offset) {
        return "{\"_id\":\"" + eventId(id) + "\",\"aggregateType\":\"Order\",\"aggregateId\":\"" + aggregateId(id)
                + "\",\"eventType\":\"OrderCreated\",\"timestamp\":{\"$date\":" + (1_763_800_000_000L + offset)
                + "},\"kafka\":{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"offset\":{\"$numberLong\":\"" + offset
                + "\"}},\"payload\":" + Payloads.orderJson((int) (id % PAYLOADS)) + "}";
    }
}
