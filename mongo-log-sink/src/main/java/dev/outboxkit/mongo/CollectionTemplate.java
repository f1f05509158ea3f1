package dev.outboxkit.mongo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code collection} option: a collection name with placeholders {@code ${topic}}, {@code ${aggregateType}}
 * and {@code ${eventType}}, resolved per record. Checked when the connector is validated.
 */
public final class CollectionTemplate {

    public static final List<String> PLACEHOLDERS = List.of("topic", "aggregateType", "eventType");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final int MAX_NAME_BYTES = 255;

    public static final ConfigDef.Validator VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            parse(name, (String) value);
        }

        @Override
        public String toString() {
            return "collection name with ${topic}, ${aggregateType}, ${eventType}";
        }
    };

    /** A literal piece of the name, or a placeholder. */
    private record Part(String literal, String placeholder) {}

    private final String template;
    private final List<Part> parts;
    private final boolean topicOnly;

    private CollectionTemplate(String template, List<Part> parts, boolean topicOnly) {
        this.template = template;
        this.parts = parts;
        this.topicOnly = topicOnly;
    }

    public static CollectionTemplate parse(String option, String template) {
        if (template == null || template.isBlank()) {
            throw new ConfigException(option, template, "must not be empty");
        }
        List<Part> parts = new ArrayList<>();
        StringBuilder literals = new StringBuilder();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int last = 0;
        boolean topicOnly = true;
        while (matcher.find()) {
            String placeholder = matcher.group(1);
            if (!PLACEHOLDERS.contains(placeholder)) {
                throw new ConfigException(
                        option,
                        template,
                        "unknown placeholder ${" + placeholder + "}; expected one of "
                                + "${topic}, ${aggregateType}, ${eventType}");
            }
            topicOnly &= placeholder.equals("topic");
            String literal = template.substring(last, matcher.start());
            parts.add(new Part(literal, null));
            parts.add(new Part(null, placeholder));
            literals.append(literal);
            last = matcher.end();
        }
        parts.add(new Part(template.substring(last), null));
        literals.append(template.substring(last));
        String problem = nameProblem(literals.toString());
        if (problem != null) {
            throw new ConfigException(option, template, "is not a valid collection name: " + problem);
        }
        return new CollectionTemplate(template, List.copyOf(parts), topicOnly);
    }

    /** Whether the name depends on the topic alone (so collections can be created at start). */
    public boolean dependsOnTopicOnly() {
        return topicOnly;
    }

    /** The collection for one record; the caller checks the result with {@link #nameProblem}. */
    public String resolve(String topic, Object aggregateType, Object eventType) {
        StringBuilder name = new StringBuilder(template.length() + 32);
        for (Part part : parts) {
            if (part.placeholder() == null) {
                name.append(part.literal());
            } else {
                switch (part.placeholder()) {
                    case "topic" -> name.append(topic);
                    case "aggregateType" -> name.append(aggregateType == null ? "" : aggregateType);
                    default -> name.append(eventType == null ? "" : eventType);
                }
            }
        }
        return name.toString();
    }

    /** MongoDB's rules for collection names; null when the name is legal. */
    public static String nameProblem(String name) {
        if (name.startsWith("system.")) {
            return "names starting with 'system.' are reserved";
        }
        if (name.indexOf('\u0000') >= 0 || name.indexOf('$') >= 0) {
            return "'$' and NUL are not allowed";
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "longer than " + MAX_NAME_BYTES + " bytes";
        }
        return null;
    }

    @Override
    public String toString() {
        return template;
    }
}
