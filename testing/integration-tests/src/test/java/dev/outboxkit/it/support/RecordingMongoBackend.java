package dev.outboxkit.it.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The in-JVM MongoDB (memory backend) that, while recording, watches every update statement as a real MongoDB
 * applies it (one at a time, each visible at once): it runs each statement of an update command alone, reads the
 * affected document before and after (by the statement's {@code _id}, or by {@code aggregateId} for a business-key
 * upsert), and remembers per collection which documents changed and which went to a lower {@code version}. The
 * reply is the one the whole command would have given (counts summed, indexes of upserts and errors kept), so the
 * sinks' drivers see what they would see without it.
 */
public final class RecordingMongoBackend extends MemoryBackend {

    private volatile boolean recording;
    private final Map<String, Set<Object>> changed = new ConcurrentHashMap<>();
    private final Map<String, Set<Object>> wentBack = new ConcurrentHashMap<>();
    private final Map<String, Integer> statements = new ConcurrentHashMap<>();

    public void startRecording() {
        changed.clear();
        wentBack.clear();
        statements.clear();
        recording = true;
    }

    /** Documents of "database.collection" that any statement changed while recording. */
    public Set<Object> changed(String namespace) {
        return changed.getOrDefault(namespace, Set.of());
    }

    /** Documents of "database.collection" that a statement left at a lower version than it found. */
    public Set<Object> wentBack(String namespace) {
        return wentBack.getOrDefault(namespace, Set.of());
    }

    /** Update statements received for "database.collection" while recording. */
    public int statements(String namespace) {
        return statements.getOrDefault(namespace, 0);
    }

    @Override
    public synchronized Document handleCommand(Channel channel, String database, String command, Document query) {
        if (!recording || !command.equalsIgnoreCase("update") || database.equals("admin")) {
            return super.handleCommand(channel, database, command, query);
        }
        String collection = (String) query.get("update");
        String namespace = database + "." + collection;
        @SuppressWarnings("unchecked")
        List<Document> updates = (List<Document>) query.get("updates");
        boolean ordered = !Boolean.FALSE.equals(query.get("ordered"));
        int n = 0;
        int modified = 0;
        List<Document> upserted = new ArrayList<>();
        List<Document> errors = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            Document statement = updates.get(i);
            Document filter = (Document) statement.get("q");
            String keyField = filter.containsKey("_id") ? "_id" : "aggregateId";
            Object key = filter.get(keyField);
            Document before = findOne(channel, database, collection, keyField, key);
            Document single = new Document("update", collection)
                    .append("updates", List.of(statement))
                    .append("ordered", true);
            Document reply = super.handleCommand(channel, database, "update", single);
            Document after = findOne(channel, database, collection, keyField, key);
            statements.merge(namespace, 1, Integer::sum);
            Object identity = keyField + "=" + key;
            if (before == null ? after != null : !before.equals(after)) {
                changed.computeIfAbsent(namespace, k -> ConcurrentHashMap.newKeySet())
                        .add(identity);
            }
            if (before != null && after != null && version(after) < version(before)) {
                wentBack.computeIfAbsent(namespace, k -> ConcurrentHashMap.newKeySet())
                        .add(identity);
            }
            n += ((Number) reply.getOrDefault("n", 0)).intValue();
            modified += ((Number) reply.getOrDefault("nModified", 0)).intValue();
            if (reply.get("upserted") instanceof List<?> list) {
                for (Object entry : list) {
                    upserted.add(new Document("index", i).append("_id", ((Document) entry).get("_id")));
                }
            }
            if (reply.get("writeErrors") instanceof List<?> list && !list.isEmpty()) {
                for (Object entry : list) {
                    Document error = new Document((Document) entry);
                    error.put("index", i);
                    errors.add(error);
                }
                if (ordered) {
                    break;
                }
            }
        }
        Document reply = new Document("n", n).append("nModified", modified);
        if (!upserted.isEmpty()) {
            reply.append("upserted", upserted);
        }
        if (!errors.isEmpty()) {
            reply.append("writeErrors", errors);
        }
        return reply.append("ok", 1.0);
    }

    private Document findOne(Channel channel, String database, String collection, String field, Object key) {
        Document reply = super.handleCommand(
                channel,
                database,
                "find",
                new Document("find", collection)
                        .append("filter", new Document(field, key))
                        .append("limit", 1));
        @SuppressWarnings("unchecked")
        List<Document> batch = (List<Document>) ((Document) reply.get("cursor")).get("firstBatch");
        // A copy: the memory backend may hand out the stored document itself, which a replace then changes in place.
        return batch.isEmpty() ? null : (Document) deepCopy(batch.get(0));
    }

    private static Object deepCopy(Object value) {
        if (value instanceof Document document) {
            Document copy = new Document();
            document.forEach((key, inner) -> copy.put(key, deepCopy(inner)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(inner -> copy.add(deepCopy(inner)));
            return copy;
        }
        return value;
    }

    private static double version(Document document) {
        Object version = document.get("version");
        return version instanceof Number number ? number.doubleValue() : Double.NaN;
    }
}
