package dev.outboxkit.chaos.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * When each event reached Kafka: the benchmark's topics are created with {@code message.timestamp.type=LogAppendTime},
 * so a record's timestamp is the broker's clock when it appended the record (millisecond resolution). Read without a
 * consumer group, by event id (the {@code id} header both routers set), from where the last {@link #catchUp} ended.
 */
public final class TopicTimes implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final Map<String, Long> appendMillis = new HashMap<>();
    private List<TopicPartition> partitions = List.of();

    public TopicTimes(String bootstrapServers, List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topics = topics;
    }

    /** The sum of the end offsets of every partition of the topics: events on Kafka so far. */
    public long endOffsetTotal() {
        assignAll();
        return consumer.endOffsets(partitions).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Reads every record appended since the last call, up to the current end offsets. */
    public void catchUp() {
        assignAll();
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.currentTimeMillis() + 120_000;
        while (!reached(end)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Reading the topics to their end offsets " + end + " took over 120 s");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                Header id = record.headers().lastHeader("id");
                if (id != null && id.value() != null) {
                    appendMillis.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), record.timestamp());
                }
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void assignAll() {
        List<TopicPartition> current = new ArrayList<>();
        Map<String, List<PartitionInfo>> known = consumer.listTopics(Duration.ofSeconds(30));
        for (String topic : topics) {
            for (PartitionInfo info : known.getOrDefault(topic, List.of())) {
                current.add(new TopicPartition(topic, info.partition()));
            }
        }
        if (!current.equals(partitions)) {
            partitions = current;
            consumer.assign(current);
        }
    }

    /** When the event was appended to its topic (broker clock, ms), or null if it was not read. */
    public Long appendMillis(String id) {
        return appendMillis.get(id);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
