package dev.outboxkit.router.json;

import java.util.Random;

/**
 * Generated JSON documents for property tests: every JSON kind, nesting to depth 3, integers of every width,
 * nulls, empty and mixed arrays, and object keys drawn from a given list (few names and a fixed order most of
 * the time, so that many documents share a shape).
 */
public final class RandomJson {

    /** Plain keys: what most payloads have. */
    public static final String[] PLAIN_NAMES = {"a", "b", "c", "d"};

    /**
     * Keys Avro does not accept as names, next to plain ones: punctuation, a leading digit or dollar sign, dots,
     * blanks, non-ASCII letters and digits, a character outside the BMP, and the empty key.
     */
    public static final String[] HOSTILE_NAMES = {
        "id",
        "first-name",
        "1st",
        "$id",
        "prénom",
        "ship.to",
        "_meta",
        "名前",
        "a b",
        "",
        "\uD83D\uDE00",
        "\u0663x",
        "x\u0000y",
        "total"
    };

    private final Random random;
    private final String[] names;

    public RandomJson(long seed, String[] names) {
        this.random = new Random(seed);
        this.names = names;
    }

    /** An object most of the time, an array one time in ten. */
    public String document() {
        return random.nextInt(10) == 0 ? array(0) : object(0);
    }

    private String object(int depth) {
        StringBuilder json = new StringBuilder("{");
        int fields = random.nextInt(4);
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                json.append(',');
            }
            String name = random.nextInt(8) == 0 || f >= names.length ? names[random.nextInt(names.length)] : names[f];
            json.append(quote(name)).append(':').append(value(depth));
        }
        return json.append('}').toString();
    }

    private String array(int depth) {
        StringBuilder json = new StringBuilder("[");
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(value(depth));
        }
        return json.append(']').toString();
    }

    private String value(int depth) {
        switch (random.nextInt(depth < 2 ? 12 : 9)) {
            case 0:
                return Integer.toString(random.nextInt(100));
            case 1:
                return Long.toString(5_000_000_000L + random.nextInt(100));
            case 2:
                return "123456789012345678901234" + random.nextInt(10);
            case 3:
                return random.nextInt(100) + ".5";
            case 4:
                return "\"s" + random.nextInt(10) + "\"";
            case 5:
                return random.nextBoolean() ? "true" : "false";
            case 6:
                return "null";
            case 7:
                return "[]";
            case 8:
                return "[1,2]";
            case 9:
                return array(depth + 1);
            default:
                return object(depth + 1);
        }
    }

    private static String quote(String name) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : name.toCharArray()) {
            if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
