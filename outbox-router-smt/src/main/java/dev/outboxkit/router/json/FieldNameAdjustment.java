package dev.outboxkit.router.json;

/**
 * How the field names that JSON expansion creates are made valid for Avro, as Debezium's
 * {@code field.name.adjustment.mode} does for the names of JSON keys:
 * <ul>
 *   <li>{@link #NONE}: names stay as the JSON keys are.</li>
 *   <li>{@link #AVRO}: every character outside {@code [A-Za-z0-9_]} (and a first character outside
 *       {@code [A-Za-z_]}) becomes {@code _}; a leading digit is kept after the {@code _} ({@code 1st} becomes
 *       {@code _1st}, {@code first-name} becomes {@code first_name}).</li>
 *   <li>{@link #AVRO_UNICODE}: every character outside {@code [A-Za-z0-9]} (and a first character outside
 *       {@code [A-Za-z]}) becomes {@code _u} and its UTF-16 code in hexadecimal, padded to four digits when
 *       shorter than three ({@code first-name} becomes {@code first_u002dname}, {@code _id} becomes
 *       {@code _u005fid}); different keys cannot collide.</li>
 * </ul>
 *
 * <p>Two cases where Debezium 3.7 produces a name Avro rejects give a valid one here: an empty key becomes
 * {@code _}, and a first character that is a non-ASCII digit is replaced without being kept.
 */
public enum FieldNameAdjustment {
    NONE {
        @Override
        public String adjust(String name) {
            return name;
        }
    },
    AVRO {
        @Override
        boolean validFirst(char c) {
            return isAsciiLetter(c) || c == '_';
        }

        @Override
        boolean validRest(char c) {
            return isAsciiLetter(c) || c == '_' || isAsciiDigit(c);
        }

        @Override
        void replace(char c, boolean first, StringBuilder out) {
            out.append('_');
            if (first && isAsciiDigit(c)) {
                // Debezium keeps the digit, so that "1st" and "2nd" do not both become "_st".
                out.append(c);
            }
        }
    },
    AVRO_UNICODE {
        @Override
        boolean validFirst(char c) {
            return isAsciiLetter(c);
        }

        @Override
        boolean validRest(char c) {
            return isAsciiLetter(c) || isAsciiDigit(c);
        }

        @Override
        void replace(char c, boolean first, StringBuilder out) {
            String hex = Integer.toHexString(c);
            out.append("_u");
            if (hex.length() <= 2) {
                out.append("00");
            }
            out.append(hex);
        }
    };

    /** The option's values, as users write them. */
    public static final String[] NAMES = {"none", "avro", "avro_unicode"};

    /** The name a JSON key gets as a field name; the same string when nothing needs to change. */
    public String adjust(String name) {
        if (name.isEmpty()) {
            return "_";
        }
        if (isValid(name)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean first = i == 0;
            if (first ? validFirst(c) : validRest(c)) {
                out.append(c);
            } else {
                replace(c, first, out);
            }
        }
        return out.toString();
    }

    /**
     * A schema's full name made valid for Avro: each dot-separated part that is not a valid Avro name is adjusted
     * as a field name would be; valid parts are kept as they are. {@link #NONE} keeps the name.
     */
    public String adjustFullName(String fullName) {
        if (this == NONE || fullName == null) {
            return fullName;
        }
        String[] parts = fullName.split("\\.", -1);
        boolean changed = false;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty() || !AVRO.isValid(parts[i])) {
                parts[i] = adjust(parts[i]);
                changed = true;
            }
        }
        return changed ? String.join(".", parts) : fullName;
    }

    private boolean isValid(String name) {
        if (!validFirst(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            if (!validRest(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    boolean validFirst(char c) {
        return true;
    }

    boolean validRest(char c) {
        return true;
    }

    void replace(char c, boolean first, StringBuilder out) {
        out.append(c);
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
