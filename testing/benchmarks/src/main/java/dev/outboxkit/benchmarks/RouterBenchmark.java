package dev.outboxkit.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
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

import dev.outboxkit.router.OutboxEventRouter;
import io.debezium.transforms.outbox.EventRouter;

/**
 * One outbox change event through the router, Debezium's EventRouter against ours, on the same pre-built
 * inputs. Each invocation wraps a pre-built envelope in a new SourceRecord with empty headers (Debezium adds
 * headers to its input, so inputs cannot be reused as they are); both routers pay that same small cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RouterBenchmark {

    private static final int INPUTS = 1024;
    private static final String[] AGGREGATE_TYPES = {"Order", "Customer", "Invoice", "Shipment"};
    private static final Map<String, ?> SOURCE_PARTITION = Map.of("server", "dbserver1");
    private static final Map<String, ?> SOURCE_OFFSET = Map.of("file", "mysql-bin.000003", "pos", 4321L);

    @Param({"default", "header", "envelope", "json"})
    public String scenario;

    @Param({"debezium", "outboxkit"})
    public String router;

    private Transformation<SourceRecord> transformation;
    private Schema envelopeSchema;
    private Struct[] envelopes;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, String> config = new HashMap<>();
        switch (scenario) {
            case "header":
                config.put("table.fields.additional.placement", "type:header:eventType");
                break;
            case "envelope":
                config.put("table.fields.additional.placement", "type:envelope:eventType");
                break;
            case "json":
                config.put("table.expand.json.payload", "true");
                break;
            default:
                break;
        }
        transformation = "debezium".equals(router) ? new EventRouter<>() : new OutboxEventRouter<>();
        transformation.configure(config);

        Schema rowSchema = SchemaBuilder.struct()
                .name("dbserver1.inventory.outbox.Value")
                .optional()
                .field("id", Schema.STRING_SCHEMA)
                .field("aggregatetype", Schema.STRING_SCHEMA)
                .field("aggregateid", Schema.STRING_SCHEMA)
                .field("type", Schema.STRING_SCHEMA)
                .field("payload", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Schema sourceSchema = SchemaBuilder.struct()
                .name("io.debezium.connector.mysql.Source")
                .field("connector", Schema.STRING_SCHEMA)
                .field("name", Schema.STRING_SCHEMA)
                .field("db", Schema.STRING_SCHEMA)
                .field("table", Schema.STRING_SCHEMA)
                .field("file", Schema.STRING_SCHEMA)
                .field("pos", Schema.INT64_SCHEMA)
                .build();
        envelopeSchema = SchemaBuilder.struct()
                .name("dbserver1.inventory.outbox.Envelope")
                .field("before", rowSchema)
                .field("after", rowSchema)
                .field("source", sourceSchema)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        envelopes = new Struct[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            String type = AGGREGATE_TYPES[i % AGGREGATE_TYPES.length];
            Struct row = new Struct(rowSchema)
                    .put("id", "7c9e6679-7425-40de-944b-e07fc1f9" + String.format("%04d", i))
                    .put("aggregatetype", type)
                    .put("aggregateid", type.toLowerCase() + "-" + (i % 97))
                    .put("type", type + "Created")
                    .put("payload", Payloads.orderJson(i));
            Struct source = new Struct(sourceSchema)
                    .put("connector", "mysql")
                    .put("name", "dbserver1")
                    .put("db", "inventory")
                    .put("table", "outbox")
                    .put("file", "mysql-bin.000003")
                    .put("pos", 4321L + i);
            envelopes[i] = new Struct(envelopeSchema)
                    .put("after", row)
                    .put("source", source)
                    .put("op", "c")
                    .put("ts_ms", 1_700_000_000_000L + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        transformation.close();
    }

    @Benchmark
    public SourceRecord route() {
        Struct envelope = envelopes[next++ & (INPUTS - 1)];
        SourceRecord input = new SourceRecord(
                SOURCE_PARTITION,
                SOURCE_OFFSET,
                "dbserver1.inventory.outbox",
                null,
                null,
                null,
                envelopeSchema,
                envelope,
                1_700_000_000_000L,
                new ConnectHeaders());
        return transformation.apply(input);
    }
}
