package dev.outboxkit.chaos.check;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bson.Document;

import com.mongodb.client.MongoDatabase;

import dev.outboxkit.chaos.Cluster;
import dev.outboxkit.chaos.Stack;

/**
 * Checks the invariants at the end of a run, with exact counts, against the sources of truth: the business table
 * (what committed), the topics (what the source connector and the router produced), the sink's committed offsets, the dead
 * letter queue, and MongoDB. An event id is {@code <aggregate>#<sequence>}, so order and gaps need no payload. Order
 * is checked twice: on the topics (each event's first occurrence), and in MongoDB (the stored events by the Kafka
 * position the sink stored with them); both count what they compared, and a count short of the committed events
 * fails the check.
 */
public final class Checker {

    /**
     * What the checker found. {@code orderComparedOnKafka} and {@code orderComparedInMongo} count the committed events
     * whose place in their aggregate's order was compared; each must equal {@code committed}, or the order check
     * looked at less than it claims. {@code unknownOnKafka}: records on the topics with no id header or an id that
     * never committed; {@code withoutPosition}: stored documents without the Kafka position the sink stores.
     */
    public record Findings(
            long committed,
            long stored,
            long missing,
            long stray,
            long duplicatedInMongo,
            long kafkaRecords,
            long duplicatedOnKafka,
            long unknownOnKafka,
            long orderViolations,
            long orderComparedOnKafka,
            long mongoOrderViolations,
            long orderComparedInMongo,
            long withoutPosition,
            long aggregatesWithGaps,
            long deadLettered,
            long lag,
            List<String> examples) {
        public boolean holds() {
            return missing == 0
                    && stray == 0
                    && duplicatedInMongo == 0
                    && unknownOnKafka == 0
                    && orderViolations == 0
                    && orderComparedOnKafka == committed
                    && mongoOrderViolations == 0
                    && orderComparedInMongo == committed
                    && withoutPosition == 0
                    && aggregatesWithGaps == 0
                    && deadLettered == 0
                    && lag == 0;
        }
    }

    /** Where the sink read a stored event: its Kafka position, as stored in the document. */
    record Position(String topic, int partition, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position other) {
            int byTopic = topic.compareTo(other.topic);
            if (byTopic != 0) {
                return byTopic;
            }
            return partition != other.partition
                    ? Integer.compare(partition, other.partition)
                    : Long.compare(offset, other.offset);
        }

        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }

        /**
         * outboxkit's sink stores {@code kafka: {topic, partition, offset}}; the official sink, with its
         * {@code KafkaMetaAdder} post processor, {@code "topic-partition-offset": "<topic>-<partition>-<offset>"}.
         */
        static Position of(Document document) {
            Object kafka = document.get("kafka");
            if (kafka instanceof Document coordinates) {
                return new Position(
                        coordinates.getString("topic"),
                        ((Number) coordinates.get("partition")).intValue(),
                        ((Number) coordinates.get("offset")).longValue());
            }
            Object joined = document.get(PEER_POSITION_FIELD);
            if (joined instanceof String text) {
                int lastDash = text.lastIndexOf('-');
                int secondLastDash = text.lastIndexOf('-', lastDash - 1);
                if (secondLastDash > 0) {
                    return new Position(
                            text.substring(0, secondLastDash),
                            Integer.parseInt(text.substring(secondLastDash + 1, lastDash)),
                            Long.parseLong(text.substring(lastDash + 1)));
                }
            }
            return null;
        }
    }

    /** The field the official sink's {@code KafkaMetaAdder} writes. */
    public static final String PEER_POSITION_FIELD = "topic-partition-offset";

    /**
     * What committed: the business table, whose row is written in the same transaction as the outbox row and under the
     * same id. Not the outbox table, whose rows the polling source deletes once Connect has committed them.
     */
    static final String COMMITTED_TABLE = "orders";

    private final Cluster cluster;

    public Checker(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Events in MongoDB (distinct ids), quickly: for drain and recovery tracking. */
    public long storedCount() {
        MongoDatabase database = cluster.mongo().getDatabase(Stack.MONGO_DATABASE);
        long count = 0;
        for (String collection : database.listCollectionNames()) {
            if (collection.startsWith("outbox.event.")) {
                count += database.getCollection(collection).estimatedDocumentCount();
            }
        }
        return count;
    }

    public long committedCount() throws SQLException {
        try (Connection connection = cluster.database().connect(Cluster.DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + COMMITTED_TABLE)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * The records a {@code read_committed} consumer still gets past the sink's committed offsets. Not the end offset
     * minus the committed offset: with exactly-once sources a partition ends with transaction markers that are not
     * records, and a sink that has stored everything commits the offset after its last record, before the marker.
     */
    public long sinkLag() throws Exception {
        try (Admin admin = Admin.create(adminProps())) {
            Map<TopicPartition, Long> ends = endOffsets(admin, Stack.TOPICS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Stack.sinkGroup())
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, Long> from = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                long position = at == null ? 0 : at.offset();
                if (position < end.getValue()) {
                    from.put(end.getKey(), position);
                }
            }
            return from.isEmpty() ? 0 : read(from, ends).size();
        }
    }

    public Findings check() throws Exception {
        Map<String, Integer> committed = committedEvents();
        List<String> examples = new ArrayList<>();

        Map<String, Integer> storedDocuments = new HashMap<>();
        Map<String, Position> storedAt = new HashMap<>();
        long documents = 0;
        long withoutPosition = 0;
        MongoDatabase database = cluster.mongo().getDatabase(Stack.MONGO_DATABASE);
        for (String collection : database.listCollectionNames()) {
            if (!collection.startsWith("outbox.event.")) {
                continue;
            }
            for (Document document : database.getCollection(collection)
                    .find()
                    .projection(new Document("_id", 1).append("kafka", 1).append(PEER_POSITION_FIELD, 1))) {
                documents++;
                String id = String.valueOf(document.get("_id"));
                storedDocuments.merge(id, 1, Integer::sum);
                Position position = Position.of(document);
                if (position == null) {
                    withoutPosition++;
                    if (examples.size() < 10) {
                        examples.add("no Kafka position stored: " + collection + " " + id);
                    }
                } else {
                    storedAt.put(id, position);
                }
            }
        }
        long missing = committed.keySet().stream()
                .filter(id -> !storedDocuments.containsKey(id))
                .count();
        long stray = storedDocuments.keySet().stream()
                .filter(id -> !committed.containsKey(id))
                .count();
        committed.keySet().stream()
                .filter(id -> !storedDocuments.containsKey(id))
                .limit(5)
                .forEach(id -> examples.add("missing " + id));
        storedDocuments.keySet().stream()
                .filter(id -> !committed.containsKey(id))
                .limit(5)
                .forEach(id -> examples.add("stray " + id));

        // Per aggregate, stored sequence numbers must be 1..n for the n committed.
        Map<String, Integer> committedMax = new HashMap<>();
        committed.forEach((id, seq) -> committedMax.merge(aggregate(id), seq, Math::max));
        Map<String, Set<Integer>> storedSeqs = new HashMap<>();
        storedDocuments.keySet().stream()
                .filter(committed::containsKey)
                .forEach(id -> storedSeqs
                        .computeIfAbsent(aggregate(id), a -> new HashSet<>())
                        .add(committed.get(id)));
        long gaps = committedMax.entrySet().stream()
                .filter(e -> storedSeqs.getOrDefault(e.getKey(), Set.of()).size() != e.getValue())
                .count();

        long[] mongoOrder = mongoOrder(committed, storedAt, examples);
        long mongoOrderViolations = mongoOrder[0];
        long orderComparedInMongo = mongoOrder[1];

        KafkaOrder kafka = kafkaOrder(committed, readAll(Stack.TOPICS), examples);
        long deadLettered;
        try (Admin admin = Admin.create(adminProps())) {
            deadLettered = admin.listTopics().names().get().contains(Stack.DLQ)
                    ? endOffsets(admin, List.of(Stack.DLQ)).values().stream()
                            .mapToLong(Long::longValue)
                            .sum()
                    : 0;
        }
        return new Findings(
                committed.size(),
                storedDocuments.size(),
                missing,
                stray,
                documents - storedDocuments.size(),
                kafka.records(),
                kafka.duplicated(),
                kafka.unknown(),
                kafka.violations(),
                kafka.compared(),
                mongoOrderViolations,
                orderComparedInMongo,
                withoutPosition,
                gaps,
                deadLettered,
                sinkLag(),
                examples);
    }

    /** What the order check on the topics saw: records, redeliveries, records of no committed event, compared, violations. */
    record KafkaOrder(long records, long duplicated, long unknown, long compared, long violations) {}

    /**
     * Order on Kafka: per aggregate, each event's first occurrence (records partition by partition, in offset order)
     * must come in commit order. Records with no id header or an id that never committed are counted, not skipped.
     */
    static KafkaOrder kafkaOrder(
            Map<String, Integer> committed, List<ConsumerRecord<byte[], byte[]>> records, List<String> examples) {
        long kafkaRecords = 0;
        long unknownOnKafka = 0;
        long orderComparedOnKafka = 0;
        Set<String> seenOnKafka = new HashSet<>();
        Map<String, Integer> lastFirstSeq = new HashMap<>();
        long orderViolations = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            kafkaRecords++;
            Header header = record.headers().lastHeader("id");
            String id = header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
            if (id == null || !committed.containsKey(id)) {
                unknownOnKafka++;
                if (examples.size() < 10) {
                    examples.add((id == null ? "no id header" : "never committed: " + id) + " at " + record.topic()
                            + "-" + record.partition() + "@" + record.offset());
                }
                continue;
            }
            if (!seenOnKafka.add(id)) {
                continue; // a redelivery: the order is that of each event's first occurrence
            }
            int seq = committed.get(id);
            orderComparedOnKafka++;
            Integer previous = lastFirstSeq.put(aggregate(id), seq);
            if (previous != null && seq <= previous) {
                orderViolations++;
                if (examples.size() < 10) {
                    examples.add("order: " + id + " after seq " + previous + " at " + record.topic() + "-"
                            + record.partition() + "@" + record.offset());
                }
            }
        }
        return new KafkaOrder(
                kafkaRecords,
                kafkaRecords - unknownOnKafka - seenOnKafka.size(),
                unknownOnKafka,
                orderComparedOnKafka,
                orderViolations);
    }

    /**
     * Order in MongoDB: per aggregate, the stored events sorted by the Kafka position the sink read them at must have
     * increasing sequence numbers (the order in which the sink was handed them). Returns {violations, compared}.
     */
    static long[] mongoOrder(Map<String, Integer> committed, Map<String, Position> storedAt, List<String> examples) {
        Map<String, TreeMap<Position, Integer>> storedOrder = new HashMap<>();
        storedAt.forEach((id, position) -> {
            Integer seq = committed.get(id);
            if (seq != null) {
                storedOrder.computeIfAbsent(aggregate(id), a -> new TreeMap<>()).put(position, seq);
            }
        });
        long violations = 0;
        long compared = 0;
        for (Map.Entry<String, TreeMap<Position, Integer>> aggregate : storedOrder.entrySet()) {
            int previous = 0;
            for (Map.Entry<Position, Integer> stored : aggregate.getValue().entrySet()) {
                compared++;
                if (stored.getValue() <= previous) {
                    violations++;
                    if (examples.size() < 10) {
                        examples.add("order in MongoDB: " + aggregate.getKey() + "#" + stored.getValue()
                                + " stored from " + stored.getKey() + ", after #" + previous);
                    }
                }
                previous = Math.max(previous, stored.getValue());
            }
        }
        return new long[] {violations, compared};
    }

    private static String aggregate(String id) {
        return id.substring(0, id.lastIndexOf('#'));
    }

    /** Every committed event: id → its aggregate's sequence number. */
    private Map<String, Integer> committedEvents() throws SQLException {
        Map<String, Integer> events = new HashMap<>();
        try (Connection connection = cluster.database().connect(Cluster.DATABASE);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT id FROM " + COMMITTED_TABLE)) {
            while (rows.next()) {
                String id = rows.getString(1);
                events.put(id, Integer.parseInt(id.substring(id.lastIndexOf('#') + 1)));
            }
        }
        return events;
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(List<String> topics) throws Exception {
        try (Admin admin = Admin.create(adminProps())) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topics);
            Map<TopicPartition, Long> beginning = new HashMap<>();
            ends.keySet().forEach(partition -> beginning.put(partition, 0L));
            return read(beginning, ends);
        }
    }

    /**
     * What a {@code read_committed} consumer (as every service reading the outbox topics should be, and the sink is)
     * gets between these offsets and the ends, partition by partition in offset order: records of aborted
     * transactions and transaction markers are not among them.
     */
    private List<ConsumerRecord<byte[], byte[]>> read(Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends) {
        Properties props = adminProps();
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("enable.auto.commit", "false");
        props.put("max.poll.records", "5000");
        props.put("isolation.level", "read_committed");
        props.put("auto.offset.reset", "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            // Partition by partition in offset order, as the checker of per-partition order needs.
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>(
                    java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            long deadline = System.currentTimeMillis() + 120_000;
            while (from.keySet().stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Could not read the topics to their end within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    byPartition
                            .computeIfAbsent(
                                    new TopicPartition(record.topic(), record.partition()), p -> new ArrayList<>())
                            .add(record);
                }
            }
            byPartition.values().forEach(records::addAll);
        }
        return records;
    }

    /** The last stable offsets: where a read_committed consumer's reading ends (no transaction open before them). */
    private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics)
                .allTopicNames()
                .get()
                .forEach((topic, description) -> description
                        .partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get()
                .forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    private Properties adminProps() {
        Properties props = new Properties();
        props.put("bootstrap.servers", cluster.kafka().bootstrapServers());
        props.put("request.timeout.ms", "10000");
        props.put("default.api.timeout.ms", "30000");
        return props;
    }
}
