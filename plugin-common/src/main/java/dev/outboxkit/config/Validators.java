package dev.outboxkit.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The option validators both plugins use, one implementation each. Their {@code toString()} is what the option
 * tables and the REST validate endpoint show; their errors name the option and say what is wrong, never more of the
 * value than the user typed.
 */
public final class Validators {

    private Validators() {}

    /** One of a fixed list of words, in any case; lists them in the given order. */
    public static ConfigDef.Validator oneOf(List<String> allowed) {
        return new OneOf(allowed);
    }

    /** One of an enum's constants, lower case, in any case; lists them in declaration order. */
    public static <E extends Enum<E>> ConfigDef.Validator caseInsensitiveEnum(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        return new OneOf(names);
    }

    /** A Java regular expression; an error says what is wrong and where. */
    public static ConfigDef.Validator regex() {
        return Regex.INSTANCE;
    }

    private static final class OneOf implements ConfigDef.Validator {
        private final List<String> allowed;

        OneOf(List<String> allowed) {
            this.allowed = List.copyOf(allowed);
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || !allowed.contains(((String) value).trim().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(name, value, "must be " + this);
            }
        }

        @Override
        public String toString() {
            return "one of " + allowed;
        }
    }

    private static final class Regex implements ConfigDef.Validator {
        static final Regex INSTANCE = new Regex();

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "must be a regular expression");
            }
            try {
                Pattern.compile((String) value);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(
                        name,
                        value,
                        "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }

        @Override
        public String toString() {
            return "valid regex";
        }
    }
}
