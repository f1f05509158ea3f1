package dev.outboxkit.router.tracing;

import org.apache.kafka.connect.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outboxkit.router.RouterConfig;
import dev.outboxkit.router.input.OutboxRow;

/**
 * Carries the trace an application started into the event's headers, as Debezium's tracing options do.
 * Without the OpenTelemetry API the row's stored context goes on as W3C Trace Context headers; when the API is
 * available to the plugin, the spans Debezium opens are opened too and the headers carry theirs.
 */
public interface Tracing {

    /** Adds the trace headers for this row (replacing any of the same names), or none. Never throws for a row. */
    void addTraceHeaders(OutboxRow row, Headers headers);

    /** The tracing for this configuration: with OpenTelemetry spans when its API can be loaded, else the row's context. */
    static Tracing create(RouterConfig config) {
        RowContextTracing rowContext = new RowContextTracing(config);
        if (OpenTelemetryProbe.apiAvailable()) {
            try {
                return new OpenTelemetryTracing(config, rowContext);
            } catch (LinkageError e) {
                LoggerFactory.getLogger(Tracing.class)
                        .warn(
                                "The OpenTelemetry API is present but could not be used ({});"
                                        + " trace contexts are carried on without spans",
                                e.toString());
            }
        }
        return rowContext;
    }

    /** Whether the OpenTelemetry API is visible to the plugin's class loader, without loading it. */
    final class OpenTelemetryProbe {
        private static final Logger log = LoggerFactory.getLogger(OpenTelemetryProbe.class);
        private static final String GLOBAL_OPEN_TELEMETRY = "io.opentelemetry.api.GlobalOpenTelemetry";

        private OpenTelemetryProbe() {}

        static boolean apiAvailable() {
            try {
                Class.forName(GLOBAL_OPEN_TELEMETRY, false, Tracing.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                log.debug("OpenTelemetry API not available to the router; trace contexts are carried on without spans");
                return false;
            }
        }
    }
}
