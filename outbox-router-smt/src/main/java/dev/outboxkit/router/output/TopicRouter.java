package dev.outboxkit.router.output;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.connect.errors.DataException;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.input.OutboxRow;

/**
 * Maps a route-by value (the aggregate type) to a topic: like Kafka's {@code RegexRouter}, the replacement
 * when the regex matches, else the value itself. Routing depends only on the value, so the answer is cached
 * per value, and many outbox tables or shards land on the same topics. A result that is not a legal topic
 * name fails the record instead of failing the producer later.
 */
final class TopicRouter {

    private static final int MAX_TOPIC_LENGTH = 249;
    private static final int CACHE_SIZE = 1024;

    private final Pattern regex;
    private final String replacement;
    private final String routeByColumn;
    private final Cache<String, String> topics = new SynchronizedCache<>(new LRUCache<>(CACHE_SIZE));

    TopicRouter(RouterConfig config) {
        this.regex = config.topicRegex();
        this.replacement = config.topicReplacement();
        this.routeByColumn = config.routeByColumn();
    }

    String topicFor(String routedByValue, OutboxRow row) {
        String topic = topics.get(routedByValue);
        if (topic == null) {
            Matcher matcher = regex.matcher(routedByValue);
            topic = matcher.matches() ? matcher.replaceFirst(replacement) : routedByValue;
            String problem = topicNameProblem(topic);
            if (problem != null) {
                throw new DataException(
                        "Column '" + routeByColumn + "' routes to topic name '" + topic + "', which " + problem
                                + " (options " + RouterConfig.ROUTE_TOPIC_REGEX + ", "
                                + RouterConfig.ROUTE_TOPIC_REPLACEMENT + "): "
                                + row.provenance().describe());
            }
            topics.put(routedByValue, topic);
        }
        return topic;
    }

    /** Kafka's rules for topic names; null when the name is legal. */
    static String topicNameProblem(String topic) {
        if (topic.isEmpty()) {
            return "is empty";
        }
        if (topic.equals(".") || topic.equals("..")) {
            return "is not allowed";
        }
        if (topic.length() > MAX_TOPIC_LENGTH) {
            return "is longer than " + MAX_TOPIC_LENGTH + " characters";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-';
            if (!legal) {
                return "holds a character other than ASCII letters, digits, '.', '_' and '-'";
            }
        }
        return null;
    }
}
