package dev.outboxkit.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bson.Document;
import org.bson.conversions.Bson;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;

/**
 * Reconciles the outbox topics with the event log in constant memory, one topic-partition at a time: the partition's
 * records are read in offset order beside the documents the sink stored from that partition (their {@code kafka}
 * field, sorted by offset), so that a document is matched by the record at its offset. Records no document matches
 * (an event delivered twice, or one missing) are looked up by id in batches. Documents no record matches, or from no
 * partition that exists, are strays; documents from offsets the topic no longer retains are counted apart, not as
 * strays. Only counts and a sample of ids are kept, whatever the volume.
 */
public final class Reconciler {

    /**
     * What to compare. {@code since}: only records and documents from this time on (null: all retained); {@code ids}:
     * which event ids count (the local pipeline checks only its own run's). Built with {@link #of}, e.g.
     * {@code Request.of(bootstrap, "outbox_events").since(instant).batchSize(500).build()}.
     */
    public record Request(
            String bootstrapServers,
            Pattern topics,
            String idHeader,
            String database,
            List<String> collections,
            Instant since,
            Duration timeout,
            int batchSize,
            Predicate<String> ids) {

        /** A request for the outbox topics of a cluster and the event log of a database, with the command's defaults. */
        public static Builder of(String bootstrapServers, String database) {
            return new Builder(bootstrapServers, database);
        }
    }

    /** Builds a {@link Request}; every setting has the reconcile command's default. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String database;
        private Pattern topics = Pattern.compile("outbox\\.event\\..*");
        private String idHeader = "id";
        private List<String> collections = List.of();
        private Instant since;
        private Duration timeout = Duration.ofSeconds(60);
        private int batchSize = 5000;
        private Predicate<String> ids = id -> true;

        private Builder(String bootstrapServers, String database) {
            this.bootstrapServers = bootstrapServers;
            this.database = database;
        }

        public Builder topics(Pattern topics) {
            this.topics = topics;
            return this;
        }

        public Builder idHeader(String idHeader) {
            this.idHeader = idHeader;
            return this;
        }

        /** Collections to read; empty: all in the database. */
        public Builder collections(List<String> collections) {
            this.collections = List.copyOf(collections);
            return this;
        }

        public Builder since(Instant since) {
            this.since = since;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder ids(Predicate<String> ids) {
            this.ids = ids;
            return this;
        }

        public Request build() {
            return new Request(
                    bootstrapServers, topics, idHeader, database, collections, since, timeout, batchSize, ids);
        }
    }

    /** The outcome; a gap either way is a failure. */
    public record Result(
            int partitions,
            long topicEvents,
            long documents,
            long missingCount,
            List<String> missingSample,
            long strayCount,
            List<String> straySample,
            long olderThanRetention) {
        public boolean consistent() {
            return missingCount == 0 && strayCount == 0;
        }
    }

    static final int SAMPLE = 10;
    private static final String TOPIC = "kafka.topic";
    private static final String PARTITION = "kafka.partition";
    private static final String OFFSET = "kafka.offset";

    private final Request request;
    private final MongoDatabase db;
    private final List<String> collections;
    private long topicEvents;
    private long documents;
    private long missing;
    private long strays;
    private long expired;
    private final List<String> missingSample = new ArrayList<>();
    private final List<String> straySample = new ArrayList<>();

    private Reconciler(Request request, MongoClient mongo) {
        this.request = request;
        this.db = mongo.getDatabase(request.database());
        this.collections = request.collections().isEmpty()
                ? db.listCollectionNames().into(new ArrayList<>()).stream()
                        .filter(c -> !c.startsWith("system."))
                        .sorted()
                        .toList()
                : request.collections();
    }

    public static Result reconcile(Request request, MongoClient mongo) {
        return new Reconciler(request, mongo).run();
    }

    private Result run() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> topic :
                    consumer.listTopics(request.timeout()).entrySet()) {
                if (request.topics().matcher(topic.getKey()).matches()) {
                    topic.getValue().forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            partitions.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            // The end of each partition now is the snapshot: what the sink stores later is not judged.
            Map<TopicPartition, Long> retainedFrom = consumer.beginningOffsets(partitions, request.timeout());
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, request.timeout());
            Map<TopicPartition, Long> start = new HashMap<>(retainedFrom);
            if (request.since() != null && !partitions.isEmpty()) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(p -> query.put(p, request.since().toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, request.timeout());
                partitions.forEach(p -> start.put(
                        p,
                        found.get(p) == null
                                ? end.get(p)
                                : Math.max(found.get(p).offset(), retainedFrom.get(p))));
            }
            for (TopicPartition partition : partitions) {
                reconcilePartition(
                        consumer, partition, start.get(partition), end.get(partition), retainedFrom.get(partition));
            }
            countDocumentsOnNoPartition(new HashSet<>(partitions));
            return new Result(
                    partitions.size(),
                    topicEvents,
                    documents,
                    missing,
                    List.copyOf(missingSample),
                    strays,
                    List.copyOf(straySample),
                    expired);
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, request.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, request.batchSize());
        // Only headers matter; values are fetched anyway, so keep each fetch bounded.
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 8 * 1024 * 1024);
        return config;
    }

    private void reconcilePartition(
            KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long from, long to, long retainedFrom) {
        Bson ofPartition =
                Filters.and(Filters.eq(TOPIC, partition.topic()), Filters.eq(PARTITION, partition.partition()));
        for (String collection : collections) {
            Bson older = Filters.and(ofPartition, Filters.lt(OFFSET, retainedFrom));
            expired += db.getCollection(collection)
                    .countDocuments(
                            request.since() == null
                                    ? older
                                    : Filters.and(
                                            older, Filters.gte("timestamp", java.util.Date.from(request.since()))));
        }
        if (from >= to) {
            return;
        }
        try (StoredDocuments stored = new StoredDocuments(ofPartition, from, to)) {
            List<String> lookups = new ArrayList<>();
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long deadline = System.nanoTime() + request.timeout().toNanos();
            while (consumer.position(partition) < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Could not read " + partition + " from offset " + from + " to " + to + " within "
                                    + request.timeout().toSeconds() + " s (at " + consumer.position(partition) + ")");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= to) {
                        break;
                    }
                    deadline = System.nanoTime() + request.timeout().toNanos();
                    String id = id(record);
                    if (id == null || !request.ids().test(id)) {
                        continue;
                    }
                    topicEvents++;
                    while (stored.peekOffset() < record.offset()) {
                        stray(stored.next());
                    }
                    boolean matched = false;
                    while (stored.peekOffset() == record.offset()) {
                        StoredDocument document = stored.next();
                        if (!matched && id.equals(document.id())) {
                            matched = true;
                        } else {
                            stray(document); // another id claims this record's position
                        }
                    }
                    if (!matched) {
                        lookups.add(id);
                    }
                    if (lookups.size() >= request.batchSize()) {
                        lookUp(lookups);
                    }
                }
            }
            lookUp(lookups);
            while (stored.peekOffset() < Long.MAX_VALUE) {
                stray(stored.next());
            }
        }
    }

    private String id(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(request.idHeader());
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Ids of records no document matched by position: stored from another offset (delivered twice), or missing. */
    private void lookUp(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Set<String> found = new HashSet<>();
        for (String collection : collections) {
            for (Document document :
                    db.getCollection(collection).find(Filters.in("_id", ids)).projection(Projections.include("_id"))) {
                found.add(String.valueOf(document.get("_id")));
            }
        }
        for (String id : ids) {
            if (!found.contains(id)) {
                missing++;
                sample(missingSample, id);
            }
        }
        ids.clear();
    }

    private void stray(StoredDocument document) {
        strays++;
        sample(straySample, document.id());
    }

    private static void sample(List<String> sample, String id) {
        if (sample.size() < SAMPLE) {
            sample.add(id);
        }
    }

    /** Documents of the window from a topic-partition that is not (or no longer) among the topics: strays. */
    private void countDocumentsOnNoPartition(Set<TopicPartition> partitions) {
        for (String collection : collections) {
            List<Bson> pipeline = new ArrayList<>();
            if (request.since() != null) {
                pipeline.add(Aggregates.match(Filters.gte("timestamp", java.util.Date.from(request.since()))));
            }
            pipeline.add(Aggregates.group(
                    new Document("topic", "$" + TOPIC).append("partition", "$" + PARTITION),
                    Accumulators.sum("count", 1)));
            for (Document group :
                    db.getCollection(collection).aggregate(pipeline).allowDiskUse(true)) {
                Document key = group.get("_id", Document.class);
                Object topic = key.get("topic");
                Object number = key.get("partition");
                long count = ((Number) group.get("count")).longValue();
                documents += count;
                if (topic instanceof String name
                        && number instanceof Number p
                        && partitions.contains(new TopicPartition(name, p.intValue()))) {
                    continue;
                }
                Bson where = topic == null
                        ? Filters.exists(TOPIC, false)
                        : Filters.and(Filters.eq(TOPIC, topic), Filters.eq(PARTITION, number));
                // The ids filter applies to these too; the sample is read from the first few only.
                long counted = 0;
                try (MongoCursor<Document> ids = db.getCollection(collection)
                        .find(where)
                        .projection(Projections.include("_id"))
                        .cursor()) {
                    while (ids.hasNext()) {
                        String id = String.valueOf(ids.next().get("_id"));
                        if (request.ids().test(id)) {
                            counted++;
                            sample(straySample, id);
                        }
                    }
                }
                strays += counted;
            }
        }
    }

    private record StoredDocument(String id, long offset) {}

    /** The documents stored from one partition's offsets [from, to), over all collections, in offset order. */
    private final class StoredDocuments implements AutoCloseable {

        private final List<MongoCursor<Document>> cursors = new ArrayList<>();
        private final PriorityQueue<Map.Entry<StoredDocument, Iterator<Document>>> heads =
                new PriorityQueue<>(Comparator.comparingLong(e -> e.getKey().offset()));

        StoredDocuments(Bson ofPartition, long from, long to) {
            Bson window = Filters.and(ofPartition, Filters.gte(OFFSET, from), Filters.lt(OFFSET, to));
            for (String collection : collections) {
                MongoCursor<Document> cursor = db.getCollection(collection)
                        .find(window)
                        .projection(Projections.include("_id", OFFSET))
                        .sort(Sorts.ascending(OFFSET))
                        .allowDiskUse(true)
                        .batchSize(request.batchSize())
                        .cursor();
                cursors.add(cursor);
                advance(cursor);
            }
        }

        private void advance(Iterator<Document> cursor) {
            while (cursor.hasNext()) {
                Document document = cursor.next();
                String id = String.valueOf(document.get("_id"));
                if (!request.ids().test(id)) {
                    continue;
                }
                long offset = ((Number) document.get("kafka", Document.class).get("offset")).longValue();
                heads.add(Map.entry(new StoredDocument(id, offset), cursor));
                return;
            }
        }

        long peekOffset() {
            return heads.isEmpty() ? Long.MAX_VALUE : heads.peek().getKey().offset();
        }

        StoredDocument next() {
            Map.Entry<StoredDocument, Iterator<Document>> head = heads.poll();
            advance(head.getValue());
            return head.getKey();
        }

        @Override
        public void close() {
            cursors.forEach(MongoCursor::close);
        }
    }
}
