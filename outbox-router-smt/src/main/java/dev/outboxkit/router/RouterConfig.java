package dev.outboxkit.router;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import dev.outboxkit.config.Validators;
import dev.outboxkit.router.input.Provenance;
import dev.outboxkit.router.json.FieldNameAdjustment;
import dev.outboxkit.router.output.AdditionalField;

/**
 * The router's options: the public {@link #CONFIG_DEF} (what the REST validate endpoint and the README show)
 * and the parsed, immutable settings.
 *
 * <p>Every key of Debezium's {@code io.debezium.transforms.outbox.EventRouter} is accepted with the same meaning
 * and default, so that swapping the class name is the whole migration. Each option is checked by its own
 * validator: the worker validates SMT options without calling {@code configure()}.
 */
public final class RouterConfig {

    public static final String GROUP_TABLE = "Table";
    public static final String GROUP_ROUTER = "Router";
    public static final String GROUP_JSON = "JSON payload";
    public static final String GROUP_INPUT = "Input and provenance";
    public static final String GROUP_TRACING = "Tracing";

    public static final String FIELD_EVENT_ID = "table.field.event.id";
    public static final String FIELD_EVENT_KEY = "table.field.event.key";
    public static final String FIELD_EVENT_TYPE = "table.field.event.type";
    public static final String FIELD_EVENT_PAYLOAD = "table.field.event.payload";
    public static final String FIELD_EVENT_TIMESTAMP = "table.field.event.timestamp";
    public static final String FIELD_EVENT_SCHEMA_VERSION = "table.field.event.schema.version";
    public static final String FIELDS_ADDITIONAL_PLACEMENT = "table.fields.additional.placement";
    public static final String FIELD_ADDITIONAL_MISSING = "table.field.additional.missing";
    public static final String FIELDS_ADDITIONAL_ERROR_ON_MISSING = "table.fields.additional.error.on.missing";
    public static final String OP_INVALID_BEHAVIOR = "table.op.invalid.behavior";
    public static final String ROUTE_BY_FIELD = "route.by.field";
    public static final String ROUTE_TOPIC_REGEX = "route.topic.regex";
    public static final String ROUTE_TOPIC_REPLACEMENT = "route.topic.replacement";
    public static final String ROUTE_TOMBSTONE_ON_EMPTY_PAYLOAD = "route.tombstone.on.empty.payload";
    public static final String EXPAND_JSON_PAYLOAD = "table.expand.json.payload";
    public static final String JSON_PAYLOAD_NULL_BEHAVIOR = "table.json.payload.null.behavior";
    public static final String JSON_PAYLOAD_EMPTY_ARRAY_BEHAVIOR = "table.json.payload.empty.array.behavior";
    public static final String FIELD_NAME_ADJUSTMENT_MODE = "field.name.adjustment.mode";
    public static final String TRACING_SPAN_CONTEXT_FIELD = "tracing.span.context.field";
    public static final String TRACING_OPERATION_NAME = "tracing.operation.name";
    public static final String TRACING_WITH_CONTEXT_FIELD_ONLY = "tracing.with.context.field.only";
    public static final String INPUT_FORMAT = "input.format";
    public static final String PROVENANCE_HEADERS = "provenance.headers";

    /** What the transformation does with a change event whose operation is not a create or a snapshot read. */
    public enum InvalidOpBehavior {
        WARN,
        ERROR,
        FATAL
    }

    /** What happens when a column named in {@value #FIELDS_ADDITIONAL_PLACEMENT} is not in the row. */
    public enum MissingFieldBehavior {
        ERROR,
        IGNORE
    }

    /** How JSON nulls are typed when the payload is expanded. */
    public enum JsonNullBehavior {
        IGNORE,
        OPTIONAL_BYTES
    }

    /** How empty JSON arrays are typed when the payload is expanded. */
    public enum JsonEmptyArrayBehavior {
        IGNORE,
        OPTIONAL_STRING
    }

    /** Which record values are read as outbox rows. */
    public enum InputFormat {
        AUTO,
        ENVELOPE,
        ROW
    }

    public static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final String eventIdColumn;
    private final String eventKeyColumn;
    private final String payloadColumn;
    private final String timestampColumn;
    private final String schemaVersionColumn;
    private final List<AdditionalField> additionalFields;
    private final MissingFieldBehavior missingFieldBehavior;
    private final InvalidOpBehavior invalidOpBehavior;
    private final String routeByColumn;
    private final Pattern topicRegex;
    private final String topicReplacement;
    private final boolean tombstoneOnEmptyPayload;
    private final boolean expandJsonPayload;
    private final JsonNullBehavior jsonNullBehavior;
    private final JsonEmptyArrayBehavior jsonEmptyArrayBehavior;
    private final FieldNameAdjustment fieldNameAdjustment;
    private final String tracingContextColumn;
    private final String tracingOperationName;
    private final boolean tracingWithContextFieldOnly;
    private final InputFormat inputFormat;
    private final boolean provenanceHeaders;

    public RouterConfig(Map<String, ?> originals) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, originals, false);
        eventIdColumn = config.getString(FIELD_EVENT_ID).trim();
        eventKeyColumn = config.getString(FIELD_EVENT_KEY).trim();
        payloadColumn = config.getString(FIELD_EVENT_PAYLOAD).trim();
        timestampColumn = optionalColumn(config.getString(FIELD_EVENT_TIMESTAMP));
        schemaVersionColumn = optionalColumn(config.getString(FIELD_EVENT_SCHEMA_VERSION));
        additionalFields = AdditionalField.parseList(config.getList(FIELDS_ADDITIONAL_PLACEMENT));
        missingFieldBehavior = missingFieldBehavior(config, originals);
        invalidOpBehavior = enumValue(InvalidOpBehavior.class, config.getString(OP_INVALID_BEHAVIOR));
        routeByColumn = config.getString(ROUTE_BY_FIELD).trim();
        topicRegex = Pattern.compile(config.getString(ROUTE_TOPIC_REGEX));
        topicReplacement = config.getString(ROUTE_TOPIC_REPLACEMENT);
        tombstoneOnEmptyPayload = config.getBoolean(ROUTE_TOMBSTONE_ON_EMPTY_PAYLOAD);
        expandJsonPayload = config.getBoolean(EXPAND_JSON_PAYLOAD);
        jsonNullBehavior = enumValue(JsonNullBehavior.class, config.getString(JSON_PAYLOAD_NULL_BEHAVIOR));
        jsonEmptyArrayBehavior =
                enumValue(JsonEmptyArrayBehavior.class, config.getString(JSON_PAYLOAD_EMPTY_ARRAY_BEHAVIOR));
        fieldNameAdjustment = enumValue(FieldNameAdjustment.class, config.getString(FIELD_NAME_ADJUSTMENT_MODE));
        tracingContextColumn = config.getString(TRACING_SPAN_CONTEXT_FIELD).trim();
        tracingOperationName = config.getString(TRACING_OPERATION_NAME);
        tracingWithContextFieldOnly = config.getBoolean(TRACING_WITH_CONTEXT_FIELD_ONLY);
        inputFormat = enumValue(InputFormat.class, config.getString(INPUT_FORMAT));
        provenanceHeaders = config.getBoolean(PROVENANCE_HEADERS);
        checkReplacementGroups(topicRegex, topicReplacement);
    }

    public String eventIdColumn() {
        return eventIdColumn;
    }

    public String eventKeyColumn() {
        return eventKeyColumn;
    }

    public String payloadColumn() {
        return payloadColumn;
    }

    /** The column holding the event time, or null to use the change event's time. */
    public String timestampColumn() {
        return timestampColumn;
    }

    /** The column holding the payload schema version, or null when payloads are not versioned. */
    public String schemaVersionColumn() {
        return schemaVersionColumn;
    }

    public List<AdditionalField> additionalFields() {
        return additionalFields;
    }

    public MissingFieldBehavior missingFieldBehavior() {
        return missingFieldBehavior;
    }

    public InvalidOpBehavior invalidOpBehavior() {
        return invalidOpBehavior;
    }

    public String routeByColumn() {
        return routeByColumn;
    }

    public Pattern topicRegex() {
        return topicRegex;
    }

    public String topicReplacement() {
        return topicReplacement;
    }

    public boolean tombstoneOnEmptyPayload() {
        return tombstoneOnEmptyPayload;
    }

    public boolean expandJsonPayload() {
        return expandJsonPayload;
    }

    public JsonNullBehavior jsonNullBehavior() {
        return jsonNullBehavior;
    }

    public JsonEmptyArrayBehavior jsonEmptyArrayBehavior() {
        return jsonEmptyArrayBehavior;
    }

    public FieldNameAdjustment fieldNameAdjustment() {
        return fieldNameAdjustment;
    }

    /** The outbox column holding the serialized trace context written by the application. */
    public String tracingContextColumn() {
        return tracingContextColumn;
    }

    public String tracingOperationName() {
        return tracingOperationName;
    }

    /** Whether only rows with a trace context get spans (when OpenTelemetry is present). */
    public boolean tracingWithContextFieldOnly() {
        return tracingWithContextFieldOnly;
    }

    public InputFormat inputFormat() {
        return inputFormat;
    }

    public boolean provenanceHeaders() {
        return provenanceHeaders;
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(
                FIELD_EVENT_ID,
                Type.STRING,
                "id",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "The outbox column holding the event id. It becomes the 'id' header of the event.",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event id column");
        def.define(
                FIELD_EVENT_KEY,
                Type.STRING,
                "aggregateid",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "The outbox column holding the event key (the aggregate id). It becomes the record key, with the column's"
                        + " schema, so that one aggregate's events stay ordered on one partition. A row whose key is null is"
                        + " rejected.",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event key column");
        def.define(
                FIELD_EVENT_TYPE,
                Type.STRING,
                "type",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "The outbox column holding the event type. Like Debezium, the router does not emit it unless it is listed in '"
                        + FIELDS_ADDITIONAL_PLACEMENT + "' (for example 'type:header:eventType').",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event type column");
        def.define(
                FIELD_EVENT_PAYLOAD,
                Type.STRING,
                "payload",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "The outbox column holding the event payload. It becomes the record value.",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event payload column");
        def.define(
                FIELD_EVENT_TIMESTAMP,
                Type.STRING,
                null,
                OptionalColumn.INSTANCE,
                Importance.MEDIUM,
                "The outbox column holding the event time, used as the Kafka record timestamp. Accepts Debezium Timestamp,"
                        + " MicroTimestamp, NanoTimestamp and ZonedTimestamp columns, Connect Timestamp (java.util.Date) and plain"
                        + " INT64 epoch milliseconds. When unset, or when the column is null, the change event's time (ts_ms) is used.",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event timestamp column");
        def.define(
                FIELD_EVENT_SCHEMA_VERSION,
                Type.STRING,
                null,
                OptionalColumn.INSTANCE,
                Importance.LOW,
                "The outbox column holding the payload schema version (an integer). With an 'envelope' placement it becomes"
                        + " the version of the value schema.",
                GROUP_TABLE,
                ++order,
                Width.MEDIUM,
                "Event schema version column");
        def.define(
                FIELDS_ADDITIONAL_PLACEMENT,
                Type.LIST,
                Collections.emptyList(),
                AdditionalField.VALIDATOR,
                Importance.HIGH,
                "Extra outbox columns to carry into the event, as a comma-separated list of column:placement[:alias], where"
                        + " placement is 'header' (a record header), 'envelope' (a field next to 'payload' in a struct value) or"
                        + " 'partition' (the Kafka partition, from an integer column). Example: 'type:header:eventType,tenant:envelope'.",
                GROUP_TABLE,
                ++order,
                Width.LONG,
                "Additional column placements");
        def.define(
                FIELD_ADDITIONAL_MISSING,
                Type.STRING,
                "error",
                Validators.caseInsensitiveEnum(MissingFieldBehavior.class),
                Importance.MEDIUM,
                "What to do when a column listed in '" + FIELDS_ADDITIONAL_PLACEMENT
                        + "' is not in the row: 'error' fails the" + " record, 'ignore' leaves the placement out.",
                GROUP_TABLE,
                ++order,
                Width.SHORT,
                "Missing additional column");
        def.define(
                FIELDS_ADDITIONAL_ERROR_ON_MISSING,
                Type.BOOLEAN,
                null,
                Importance.LOW,
                "Deprecated boolean form of '" + FIELD_ADDITIONAL_MISSING
                        + "' (true = error, false = ignore), kept for old" + " configurations. Ignored when '"
                        + FIELD_ADDITIONAL_MISSING + "' is set.",
                GROUP_TABLE,
                ++order,
                Width.SHORT,
                "Error on missing additional column (deprecated)");
        def.define(
                OP_INVALID_BEHAVIOR,
                Type.STRING,
                "warn",
                Validators.caseInsensitiveEnum(InvalidOpBehavior.class),
                Importance.MEDIUM,
                "What to do with a change event that is not a create or a snapshot read (an update of an outbox row):"
                        + " 'warn' or 'error' drop it and log at that level, 'fatal' fails the record. Deletes and truncates are"
                        + " always dropped.",
                GROUP_TABLE,
                ++order,
                Width.SHORT,
                "Unexpected operation");
        def.define(
                ROUTE_BY_FIELD,
                Type.STRING,
                "aggregatetype",
                new ConfigDef.NonEmptyString(),
                Importance.HIGH,
                "The outbox column whose value names the topic, through '" + ROUTE_TOPIC_REGEX + "' and '"
                        + ROUTE_TOPIC_REPLACEMENT + "'.",
                GROUP_ROUTER,
                ++order,
                Width.MEDIUM,
                "Route-by column");
        def.define(
                ROUTE_TOPIC_REGEX,
                Type.STRING,
                "(?<routedByValue>.*)",
                Validators.regex(),
                Importance.LOW,
                "The regular expression matched against the route-by value. When it matches, the topic is '"
                        + ROUTE_TOPIC_REPLACEMENT
                        + "' with the groups substituted; otherwise the route-by value itself.",
                GROUP_ROUTER,
                ++order,
                Width.MEDIUM,
                "Route topic regex");
        def.define(
                ROUTE_TOPIC_REPLACEMENT,
                Type.STRING,
                "outbox.event.${routedByValue}",
                new ConfigDef.NonEmptyString(),
                Importance.HIGH,
                "The topic name, with '${routedByValue}' (or any other named group of '" + ROUTE_TOPIC_REGEX
                        + "') replaced by the matched text.",
                GROUP_ROUTER,
                ++order,
                Width.MEDIUM,
                "Route topic replacement");
        def.define(
                ROUTE_TOMBSTONE_ON_EMPTY_PAYLOAD,
                Type.BOOLEAN,
                false,
                Importance.HIGH,
                "Whether a null or blank payload becomes a tombstone (null value), for compacted topics.",
                GROUP_ROUTER,
                ++order,
                Width.SHORT,
                "Tombstone on empty payload");
        def.define(
                EXPAND_JSON_PAYLOAD,
                Type.BOOLEAN,
                false,
                Importance.MEDIUM,
                "Whether a payload column holding JSON text is expanded into a structured value with an inferred schema."
                        + " Text that is not a JSON object or array is left as it is, with a warning.",
                GROUP_JSON,
                ++order,
                Width.SHORT,
                "Expand JSON payload");
        def.define(
                JSON_PAYLOAD_NULL_BEHAVIOR,
                Type.STRING,
                "ignore",
                Validators.caseInsensitiveEnum(JsonNullBehavior.class),
                Importance.MEDIUM,
                "How a JSON null is typed when expanding: 'ignore' leaves the field out of the schema, 'optional_bytes' keeps it"
                        + " as an optional bytes field.",
                GROUP_JSON,
                ++order,
                Width.SHORT,
                "JSON null fields");
        def.define(
                JSON_PAYLOAD_EMPTY_ARRAY_BEHAVIOR,
                Type.STRING,
                "ignore",
                Validators.caseInsensitiveEnum(JsonEmptyArrayBehavior.class),
                Importance.MEDIUM,
                "How an empty JSON array is typed when expanding: 'ignore' leaves the field out of the schema,"
                        + " 'optional_string' keeps it as an optional array of optional strings.",
                GROUP_JSON,
                ++order,
                Width.SHORT,
                "JSON empty arrays");
        def.define(
                FIELD_NAME_ADJUSTMENT_MODE,
                Type.STRING,
                "none",
                Validators.caseInsensitiveEnum(FieldNameAdjustment.class),
                Importance.LOW,
                "How JSON keys become field names when expanding, for Avro and schema registries: 'none' keeps them,"
                        + " 'avro' replaces every character Avro does not allow with '_' ('first-name' becomes 'first_name',"
                        + " '1st' becomes '_1st'), 'avro_unicode' replaces it with '_u' and its code ('first_u002dname'), so"
                        + " that different keys never meet. The values stay under the adjusted names. With 'avro' or"
                        + " 'avro_unicode' the name of an envelope value schema is made a valid Avro name too.",
                GROUP_JSON,
                ++order,
                Width.SHORT,
                "Field name adjustment");
        def.define(
                TRACING_SPAN_CONTEXT_FIELD,
                Type.STRING,
                "tracingspancontext",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "The outbox column holding the trace context the application wrote with the row, in Debezium's format"
                        + " (java.util.Properties text, e.g. 'traceparent=00-<trace id>-<span id>-01'). The event carries it"
                        + " on as W3C Trace Context headers 'traceparent' and 'tracestate'. A row without the column, or with"
                        + " an empty or malformed value, gives an event without trace headers.",
                GROUP_TRACING,
                ++order,
                Width.MEDIUM,
                "Trace context column");
        def.define(
                TRACING_OPERATION_NAME,
                Type.STRING,
                "debezium-read",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "When the OpenTelemetry API is available to the plugin: the name of the processing span opened, as"
                        + " Debezium does, under a 'db-log-write' span that continues the row's trace.",
                GROUP_TRACING,
                ++order,
                Width.MEDIUM,
                "Tracing operation name");
        def.define(
                TRACING_WITH_CONTEXT_FIELD_ONLY,
                Type.BOOLEAN,
                true,
                Importance.LOW,
                "When the OpenTelemetry API is available to the plugin: whether only rows with a trace context get"
                        + " spans (true, as Debezium's EventRouter defaults to), or every row, starting a new trace when it has"
                        + " none.",
                GROUP_TRACING,
                ++order,
                Width.SHORT,
                "Trace only rows with a context");
        def.define(
                INPUT_FORMAT,
                Type.STRING,
                "auto",
                Validators.caseInsensitiveEnum(InputFormat.class),
                Importance.MEDIUM,
                "Which record values are outbox rows. 'envelope': Debezium change events only. 'row': flat rows (from a JDBC"
                        + " polling source, or after ExtractNewRecordState), as a Struct or a schemaless Map. 'auto': change events,"
                        + " and any other value that carries the event id, route-by and payload columns. Values that are"
                        + " neither pass through untouched.",
                GROUP_INPUT,
                ++order,
                Width.SHORT,
                "Input format");
        def.define(
                PROVENANCE_HEADERS,
                Type.BOOLEAN,
                false,
                Importance.LOW,
                "Whether each event carries where it came from, as headers: " + String.join(", ", Provenance.HEADERS)
                        + " (source server name, database, table, binlog position or LSN as text for people, and the same"
                        + " position as a decimal integer that orders events as the log does: the LSN's number, or"
                        + " binlog file index * 10^24 + position * 10^5 + row; for a flat row of outboxkit's polling source,"
                        + " its cursor: the position, or on PostgreSQL txid * 10^19 + position). Useful when many outbox tables or shards feed"
                        + " the same topics, and as the version of a read model (the sink's write.mode=latest) when the outbox"
                        + " table has no version column.",
                GROUP_INPUT,
                ++order,
                Width.SHORT,
                "Provenance headers");
        return def;
    }

    private static MissingFieldBehavior missingFieldBehavior(AbstractConfig config, Map<String, ?> originals) {
        if (!originals.containsKey(FIELD_ADDITIONAL_MISSING)) {
            Boolean errorOnMissing = config.getBoolean(FIELDS_ADDITIONAL_ERROR_ON_MISSING);
            if (errorOnMissing != null) {
                return errorOnMissing ? MissingFieldBehavior.ERROR : MissingFieldBehavior.IGNORE;
            }
        }
        return enumValue(MissingFieldBehavior.class, config.getString(FIELD_ADDITIONAL_MISSING));
    }

    private static final Pattern NAMED_GROUP_REFERENCE = Pattern.compile("\\$\\{([a-zA-Z][a-zA-Z0-9]*)}");
    private static final Pattern NAMED_GROUP_DEFINITION = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    /**
     * A replacement naming a group the regex does not define would fail on every record (and under
     * errors.tolerance=all skip every event silently): reject it up front, for named ({@code ${name}}) and numbered
     * ({@code $1}) references alike.
     */
    private static void checkReplacementGroups(Pattern regex, String replacement) {
        int groups = regex.matcher("").groupCount();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '\\') {
                i++; // an escaped character is literal
            } else if (c == '$' && i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1))) {
                // As Matcher reads it: the first digit always belongs to the reference.
                int group = replacement.charAt(i + 1) - '0';
                if (group > groups) {
                    throw new ConfigException(
                            ROUTE_TOPIC_REPLACEMENT,
                            replacement,
                            "refers to group $" + group + ", but '" + ROUTE_TOPIC_REGEX + "' has " + groups + " group"
                                    + (groups == 1 ? "" : "s"));
                }
            }
        }
        List<String> defined = new ArrayList<>();
        Matcher definitions = NAMED_GROUP_DEFINITION.matcher(regex.pattern());
        while (definitions.find()) {
            defined.add(definitions.group(1));
        }
        Matcher references = NAMED_GROUP_REFERENCE.matcher(replacement);
        while (references.find()) {
            if (!defined.contains(references.group(1))) {
                throw new ConfigException(
                        ROUTE_TOPIC_REPLACEMENT,
                        replacement,
                        "refers to group '" + references.group(1) + "', which '" + ROUTE_TOPIC_REGEX
                                + "' does not define");
            }
        }
    }

    private static String optionalColumn(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static <E extends Enum<E>> E enumValue(Class<E> type, String value) {
        return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    }

    /** A column name that may be left unset, but not set to blanks. */
    private static final class OptionalColumn implements ConfigDef.Validator {
        static final OptionalColumn INSTANCE = new OptionalColumn();

        @Override
        public void ensureValid(String name, Object value) {
            if (value != null && ((String) value).isBlank()) {
                throw new ConfigException(name, value, "must be a column name or left unset");
            }
        }

        @Override
        public String toString() {
            return "a column name, or unset";
        }
    }
}
