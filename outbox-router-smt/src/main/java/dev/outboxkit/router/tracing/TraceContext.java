package dev.outboxkit.router.tracing;

import java.io.IOException;
import java.io.StringReader;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context ({@code traceparent}, and {@code tracestate} when there is one) read from the text an
 * application stores in the outbox row's tracing column: Debezium's format, {@code java.util.Properties} text
 * such as {@code traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}.
 *
 * <p>The traceparent is checked as the W3C specification reads it (version {@code ff} and all-zero ids are
 * invalid, a future version may append fields); an invalid tracestate is dropped and the traceparent kept, as
 * OpenTelemetry's propagator does.
 */
public record TraceContext(String traceparent, String tracestate) {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final Pattern TRACEPARENT_00 = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String ZERO_TRACE_ID = "0".repeat(32);
    private static final String ZERO_SPAN_ID = "0".repeat(16);
    private static final int MAX_TRACESTATE_MEMBERS = 32;
    private static final Pattern TRACESTATE_MEMBER =
            Pattern.compile("(?:[a-z][_0-9a-z\\-*/]{0,255}|[a-z0-9][_0-9a-z\\-*/]{0,240}@[a-z][_0-9a-z\\-*/]{0,13})"
                    + "=[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]");

    /** The outcome of reading a tracing column: a context, or why there is none. */
    public record Read(TraceContext context, String problem) {
        static Read problem(String problem) {
            return new Read(null, problem);
        }
    }

    /** The stored text as properties, or null when it is not readable as such. */
    static Properties properties(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
            return properties;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Reads the text stored in the tracing column. Never throws; never echoes the text in a problem. */
    public static Read read(String text) {
        if (text.isBlank()) {
            return Read.problem("is empty");
        }
        Properties properties = properties(text);
        if (properties == null) {
            return Read.problem("is not java.util.Properties text");
        }
        String traceparent = properties.getProperty(TRACEPARENT);
        if (traceparent == null) {
            return Read.problem("has no traceparent");
        }
        traceparent = traceparent.trim();
        if (!validTraceparent(traceparent)) {
            return Read.problem("has a traceparent that is not W3C Trace Context");
        }
        String tracestate = properties.getProperty(TRACESTATE);
        if (tracestate != null) {
            tracestate = tracestate.trim();
            if (tracestate.isEmpty() || !validTracestate(tracestate)) {
                tracestate = null;
            }
        }
        return new Read(new TraceContext(traceparent, tracestate), null);
    }

    static boolean validTraceparent(String value) {
        if (value.length() < 55
                || !TRACEPARENT_00.matcher(value.substring(0, 55)).matches()) {
            return false;
        }
        String version = value.substring(0, 2);
        if (version.equals("ff")) {
            return false;
        }
        if (version.equals("00") ? value.length() != 55 : value.length() > 55 && value.charAt(55) != '-') {
            return false;
        }
        return !value.substring(3, 35).equals(ZERO_TRACE_ID)
                && !value.substring(36, 52).equals(ZERO_SPAN_ID);
    }

    static boolean validTracestate(String value) {
        String[] members = value.split(",", -1);
        int counted = 0;
        for (String member : members) {
            String trimmed = member.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (++counted > MAX_TRACESTATE_MEMBERS
                    || !TRACESTATE_MEMBER.matcher(trimmed).matches()) {
                return false;
            }
        }
        return counted > 0;
    }
}
