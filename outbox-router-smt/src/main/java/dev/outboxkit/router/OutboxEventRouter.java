package dev.outboxkit.router;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.router.input.InputReader;
import dev.outboxkit.router.output.EventBuilder;

/**
 * Turns outbox change events into domain events: topic by aggregate type, key = aggregate id, event id (and
 * any placed columns) in headers, payload as the value. A drop-in for Debezium's
 * {@code io.debezium.transforms.outbox.EventRouter}: same options, same output, without its bugs. It also takes
 * flat outbox rows (JDBC polling sources, unwrapped change events), and routes rows from any number of outbox
 * tables and shards onto the same topics.
 *
 * <p>Tombstones are dropped; deletes and truncates are dropped; values that are neither change events nor
 * outbox rows (heartbeats, schema changes) pass through untouched. The input record is never modified.
 */
public class OutboxEventRouter<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    private static final Logger log = LoggerFactory.getLogger(OutboxEventRouter.class);

    private InputReader reader;
    private EventBuilder builder;

    @Override
    public void configure(Map<String, ?> configs) {
        RouterConfig config = new RouterConfig(configs);
        reader = new InputReader(config);
        builder = new EventBuilder(config);
    }

    @Override
    public R apply(R record) {
        if (record.value() == null) {
            log.debug("Tombstone from topic {} ignored", record.topic());
            return null;
        }
        InputReader.Input input = reader.read(record);
        switch (input.action()) {
            case PASS_THROUGH:
                return record;
            case DROP:
                return null;
            default:
                return builder.build(record, input.row());
        }
    }

    @Override
    public ConfigDef config() {
        return RouterConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return PluginVersion.VERSION;
    }

    @Override
    public void close() {}
}
