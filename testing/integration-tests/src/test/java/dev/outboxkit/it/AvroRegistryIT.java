package dev.outboxkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.outboxkit.it.support.ConnectStack;
import dev.outboxkit.it.support.EventLog;
import dev.outboxkit.it.support.MiniRegistry;
import dev.outboxkit.it.support.PipelineConfigs;
import dev.outboxkit.it.support.Resources;
import dev.outboxkit.testkit.db.MariaDbServer;
import dev.outboxkit.testkit.mongo.MongoTestServer;

/**
 * Avro with a schema registry, end to end: the MariaDB source writes its events with Apicurio's AvroConverter
 * (JSON payloads expanded, {@code field.name.adjustment.mode=avro}), registering each value schema in a registry
 * ({@link MiniRegistry}: a minimal registry endpoint in the test, since no registry runs here); the sink reads them
 * back with the same converter and stores every event. Payload keys Avro rejects arrive under their adjusted names
 * with their values, and the second payload shape's schema, which only adds fields, is backward compatible with
 * the first.
 */
class AvroRegistryIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final String DATABASE = "shop_avro";
    private static final String CONVERTER = "io.apicurio.registry.utils.converter.AvroConverter";

    private static MongoTestServer mongo;
    private static MariaDbServer mariadb;
    private static MiniRegistry registry;
    private static final Map<String, String> payloads = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        mongo = new MongoTestServer();
        registry = new MiniRegistry();
        mariadb = new MariaDbServer(1);
        mariadb.createDatabase(DATABASE);
        mariadb.execute(
                DATABASE,
                "CREATE TABLE outbox (id VARCHAR(64) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,"
                        + " aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT)");
        for (int i = 0; i < 20; i++) {
            payloads.put(
                    "ev-" + i,
                    i < 10
                            ? "{\"orderId\":\"o-" + i + "\",\"first-name\":\"Ada\",\"1st\":true,\"total\":" + (i + 0.5)
                                    + "}"
                            : "{\"orderId\":\"o-" + i + "\",\"first-name\":\"Bo\",\"1st\":false,\"total\":" + (i + 0.5)
                                    + ",\"lines\":[{\"sku\":\"s-" + i + "\",\"$qty\":" + i + "}]}");
        }
        try (Connection connection = mariadb.connect(DATABASE);
                PreparedStatement insert = connection.prepareStatement("INSERT INTO outbox VALUES (?,?,?,?,?)")) {
            for (Map.Entry<String, String> payload : payloads.entrySet()) {
                insert.setString(1, payload.getKey());
                insert.setString(2, "Order");
                insert.setString(3, "o-1");
                insert.setString(4, "Created");
                insert.setString(5, payload.getValue());
                insert.executeUpdate();
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        Resources.closeAll(mariadb, registry, mongo);
    }

    @Test
    void avroEventsThroughARegistryAreStoredWithAdjustedNamesAndCompatibleSchemas() throws Exception {
        // The converter jar has no META-INF/services manifest, so this worker scans for plugins (hybrid_warn);
        // users run Kafka's connect-plugin-path.sh sync-manifests instead.
        try (ConnectStack stack = new ConnectStack(
                1,
                Map.of("mariadb.password", "", "mongodb.uri", mongo.uri()),
                Map.of("plugin.discovery", "hybrid_warn"))) {
            Map<String, String> source = new LinkedHashMap<>();
            source.put("value.converter", CONVERTER);
            source.put("value.converter.apicurio.registry.url", registry.url());
            source.put("value.converter.apicurio.registry.auto-register", "true");
            source.put("transforms.outbox.table.expand.json.payload", "true");
            source.put("transforms.outbox.field.name.adjustment.mode", "avro");
            stack.put("source", PipelineConfigs.sourceConfig(stack, mariadb, DATABASE, "avro", source));
            stack.awaitRunning("source", 1, TIMEOUT);
            stack.put(
                    "sink",
                    PipelineConfigs.sinkConfig(
                            stack,
                            "events_avro",
                            "outbox\\.event\\..*",
                            Map.of(
                                    "value.converter",
                                    CONVERTER,
                                    "value.converter.apicurio.registry.url",
                                    registry.url())));
            stack.awaitRunning("sink", 2, TIMEOUT);
            EventLog.awaitDocuments(mongo.client(), "events_avro", payloads.size(), TIMEOUT);

            Map<Object, Document> stored = EventLog.documents(mongo.client(), "events_avro");
            assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(payloads.keySet());
            for (int i = 0; i < payloads.size(); i++) {
                Document payload = stored.get("ev-" + i).get("payload", Document.class);
                assertThat(payload.getString("orderId")).isEqualTo("o-" + i);
                assertThat(payload.getString("first_name")).isEqualTo(i < 10 ? "Ada" : "Bo");
                assertThat(payload.getBoolean("_1st")).isEqualTo(i < 10);
                assertThat(payload.getDouble("total")).isEqualTo(i + 0.5);
                if (i >= 10) {
                    Document line = payload.getList("lines", Document.class).get(0);
                    assertThat(line).isEqualTo(new Document("sku", "s-" + i).append("_qty", i));
                }
            }
        }
        assertThat(registry.registrations()).contains("outbox.event.Order-value");
        Map<Long, String> schemas = registry.schemas();
        Schema first = new Schema.Parser().parse(schemas.get(1L));
        Schema second = new Schema.Parser().parse(schemas.get(2L));
        assertThat(schemas).as("one value schema per payload shape").hasSize(2);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(second, first)
                        .getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }
}
