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

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.outboxkit.mongo.MongoLogSinkTask;

/**
 * Read model writes: one batch of events of {@code aggregates} aggregates (round robin, each event a newer version of
 * its aggregate) into one document per aggregate, against the same MongoDB (MONGODB_URI, else an in-JVM wire-protocol
 * server) with the same events. outboxkit's {@code write.mode=latest} (a conditional upsert on the stored version)
 * against the official MongoSinkConnector's replace-one upsert by aggregate id (its value carries the same
 * {@code _id} and fields; unconditional, last write wins). With as many aggregates as the batch or more, each
 * aggregate appears at most once per batch and both sinks write every event; with fewer, outboxkit writes only each
 * aggregate's highest version of the batch. The collection keeps its documents across iterations, as a read model
 * does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ReadModelBenchmark {

    static final String TOPIC = "outbox.event.Order";
    private static final String DATABASE = "bench_read_model";
    private static final int PAYLOADS = 4096;

    @Param({"100", "1000"})
    public int batch;

    @Param({"outboxkit-latest", "mongo-kafka-replace"})
    public String sink;

    @Param({"100", "10000"})
    public int aggregates;

    private MongoServer embedded;
    private MongoClient client;
    private SinkTask task;
    private IsolatedPlugin plugin;
    private long nextEvent;
    private long nextOffset;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String uri;
        String fromEnvironment = System.getenv("MONGODB_URI");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            uri = fromEnvironment;
        } else {
            embedded = new MongoServer(new MemoryBackend());
            embedded.bind("127.0.0.1", 0);
            uri = "mongodb://127.0.0.1:" + embedded.getLocalAddress().getPort();
        }
        client = MongoClients.create(uri);
        client.getDatabase(DATABASE).drop();
        Map<String, String> props = new HashMap<>();
        props.put("name", "bench-" + sink);
        props.put("topics", TOPIC);
        props.put("connection.uri", uri);
        props.put("database", DATABASE);
        props.put("collection", "Order");
        if (sink.equals("outboxkit-latest")) {
            props.put("write.mode", "latest");
            task = new MongoLogSinkTask();
        } else {
            props.put(
                    "document.id.strategy",
                    "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy");
            props.put(
                    "writemodel.strategy",
                    "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneDefaultStrategy");
            props.put("bulk.write.ordered", "false");
            plugin = IsolatedPlugin.fromDirectory(IsolatedPlugin.defaultDirectory("mongo-kafka-connect"));
            task = (SinkTask) plugin.loadClass("com.mongodb.kafka.connect.sink.MongoSinkTask")
                    .getDeclaredConstructor()
                    .newInstance();
        }
        task.initialize(new BenchSinkContext());
        task.start(props);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        task.stop();
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
        List<SinkRecord> records = new ArrayList<>(batch);
        boolean official = sink.startsWith("mongo-kafka");
        for (int i = 0; i < batch; i++) {
            long event = nextEvent++;
            long offset = nextOffset++;
            String aggregate = "order-" + (event % aggregates);
            long version = event / aggregates + 1;
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("id", "ev-" + event);
            headers.addString("eventType", "OrderChanged");
            headers.addString("aggregateType", "Order");
            headers.addString("aggregateVersion", Long.toString(version));
            String payload = Payloads.orderJson((int) (event % PAYLOADS));
            String value = official ? fullDocumentJson(aggregate, event, version, offset, payload) : payload;
            records.add(new SinkRecord(
                    TOPIC,
                    0,
                    Schema.STRING_SCHEMA,
                    aggregate,
                    Schema.STRING_SCHEMA,
                    value,
                    offset,
                    1_763_800_000_000L + offset,
                    TimestampType.CREATE_TIME,
                    headers));
        }
        task.put(records);
    }

    /** The document outboxkit's read model stores for the event, as the official sink gets it. */
    private static String fullDocumentJson(String aggregate, long event, long version, long offset, String payload) {
        return "{\"_id\":\"Order:" + aggregate + "\",\"aggregateType\":\"Order\",\"aggregateId\":\"" + aggregate
                + "\",\"eventType\":\"OrderChanged\",\"timestamp\":{\"$date\":" + (1_763_800_000_000L + offset)
                + "},\"kafka\":{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"offset\":{\"$numberLong\":\"" + offset
                + "\"}},\"eventId\":\"ev-" + event + "\",\"version\":{\"$numberLong\":\"" + version + "\"},\"payload\":"
                + payload + "}";
    }
}
