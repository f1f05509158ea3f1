package dev.outboxkit.mongo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code latest.id} option: how a read model document's {@code _id} is made from the aggregate type and id,
 * with placeholders {@code ${aggregateType}} and {@code ${aggregateId}}. Exactly {@code ${aggregateId}} keeps the id
 * with its own type; anything else resolves to text.
 */
public final class ReadModelId {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    public static final ConfigDef.Validator VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            parse(name, (String) value);
        }

        @Override
        public String toString() {
            return "text with ${aggregateType} and ${aggregateId}";
        }
    };

    private final String template;

    private ReadModelId(String template) {
        this.template = template;
    }

    public static ReadModelId parse(String option, String template) {
        if (template == null || template.isBlank()) {
            throw new ConfigException(option, template, "must not be empty");
        }
        Matcher matcher = PLACEHOLDER.matcher(template);
        boolean hasId = false;
        while (matcher.find()) {
            String placeholder = matcher.group(1);
            if (!placeholder.equals("aggregateType") && !placeholder.equals("aggregateId")) {
                throw new ConfigException(
                        option,
                        template,
                        "unknown placeholder ${" + placeholder + "}; expected" + " ${aggregateType} or ${aggregateId}");
            }
            hasId |= placeholder.equals("aggregateId");
        }
        if (!hasId) {
            throw new ConfigException(
                    option, template, "must contain ${aggregateId}, or every aggregate would share one" + " document");
        }
        return new ReadModelId(template);
    }

    /** Whether the _id is the aggregate id itself, with its own type. */
    public boolean isAggregateIdOnly() {
        return template.equals("${aggregateId}");
    }

    /** The _id as text, for any other template. */
    public String resolve(Object aggregateType, Object aggregateId) {
        return template.replace("${aggregateType}", aggregateType == null ? "" : aggregateType.toString())
                .replace("${aggregateId}", aggregateId.toString());
    }

    @Override
    public String toString() {
        return template;
    }
}
