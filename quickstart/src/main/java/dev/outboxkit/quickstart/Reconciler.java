package dev.outboxkit.quickstart;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bson.Document;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Projections;

/**
 * The periodic reconciliation that keeps Kafka and MongoDB honest: reads every event id on the topics (from the
 * start to the current end, without joining a consumer group) and every _id in the MongoDB collections, and
 * reports ids missing in MongoDB and ids in MongoDB that no topic has.
 */
final class Reconciler {

    /** The outcome; a gap either way is a failure. */
    record Result(int topicEvents, int uniqueTopicIds, long documents, Set<String> missingInMongo, Set<String> notOnAnyTopic) {
        boolean consistent() {
            return missingInMongo.isEmpty() && notOnAnyTopic.isEmpty();
        }
    }

    private Reconciler() {
    }

    static Result reconcile(String bootstrapServers, Pattern topics, String idHeader, MongoClient mongo, String database,
                            List<String> collections, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Set<String> topicIds = new HashSet<>();
        int topicEvents = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> topic : consumer.listTopics(timeout).entrySet()) {
                if (topics.matcher(topic.getKey()).matches()) {
                    topic.getValue().forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read the topics to their end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    topicEvents++;
                    Header header = record.headers().lastHeader(idHeader);
                    if (header != null && header.value() != null) {
                        topicIds.add(new String(header.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        Set<String> mongoIds = new HashSet<>();
        long documents = 0;
        MongoDatabase db = mongo.getDatabase(database);
        List<String> names = collections.isEmpty() ? db.listCollectionNames().into(new ArrayList<>()) : collections;
        for (String collection : names) {
            for (Document doc : db.getCollection(collection).find().projection(Projections.include("_id"))) {
                mongoIds.add(String.valueOf(doc.get("_id")));
                documents++;
            }
        }
        Set<String> missing = new TreeSet<>(topicIds);
        missing.removeAll(mongoIds);
        Set<String> extra = new TreeSet<>(mongoIds);
        extra.removeAll(topicIds);
        return new Result(topicEvents, topicIds.size(), documents, missing, extra);
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    static String sample(Set<String> ids) {
        List<String> first = new ArrayList<>();
        for (String id : ids) {
            if (first.size() == 10) {
                first.add("...");
                break;
            }
            first.add(id);
        }
        return String.join(", ", first);
    }
}
