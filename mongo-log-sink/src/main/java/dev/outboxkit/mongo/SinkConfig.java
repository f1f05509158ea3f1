package dev.outboxkit.mongo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import com.mongodb.ConnectionString;

import dev.outboxkit.config.Validators;
import dev.outboxkit.mongo.convert.ValueSource;

/**
 * The sink's options: the public {@link #CONFIG_DEF} (what the REST validate endpoint and the README show)
 * and the parsed, immutable settings. Per-option checks live in validators; checks across options and the
 * reachability of MongoDB are in {@link MongoLogSinkConnector#validate}.
 */
public final class SinkConfig {

    public static final String GROUP_CONNECTION = "Connection";
    public static final String GROUP_DOCUMENTS = "Documents";
    public static final String GROUP_WRITES = "Writes";
    public static final String GROUP_RETRIES = "Retries";
    public static final String GROUP_READ_MODEL = "Read model";

    public static final String CONNECTION_URI = "connection.uri";
    public static final String DATABASE = "database";
    public static final String COLLECTION = "collection";
    public static final String EVENT_ID_SOURCES = "event.id.sources";
    public static final String AGGREGATE_ID_SOURCES = "aggregate.id.sources";
    public static final String AGGREGATE_TYPE_SOURCES = "aggregate.type.sources";
    public static final String AGGREGATE_TYPE_TOPIC_REGEX = "aggregate.type.topic.regex";
    public static final String EVENT_TYPE_SOURCES = "event.type.sources";
    public static final String PAYLOAD_MODE = "payload.mode";
    public static final String HEADERS_STORED = "headers.stored";
    public static final String WRITE_MODE = "write.mode";
    public static final String INDEXES_CREATE = "indexes.create";
    public static final String TTL_SECONDS = "ttl.seconds";
    public static final String WRITE_PARALLELISM = "write.parallelism";
    public static final String VERSION_SOURCES = "latest.version.sources";
    public static final String LATEST_ID = "latest.id";
    public static final String DELETE_EVENT_TYPES = "latest.delete.event.types";
    public static final String TOMBSTONE_TTL_SECONDS = "latest.tombstone.ttl.seconds";
    public static final String RETRY_BACKOFF_INITIAL_MS = "retry.backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
    public static final String RETRY_TIMEOUT_MS = "retry.timeout.ms";
    public static final String VALIDATE_TIMEOUT_MS = "validate.connection.timeout.ms";
    /** The worker's option for the connector's header converter, which decides how event id headers arrive. */
    public static final String HEADER_CONVERTER = "header.converter";

    /** Where the payload goes in the stored document. */
    public enum PayloadMode {
        NESTED,
        MERGED
    }

    /**
     * How events are stored: INSERT and REPLACE keep one document per event (the log; they differ in what a second
     * write of the same event id does), LATEST one document per aggregate, the highest version's (the read model).
     */
    public enum WriteMode {
        INSERT,
        REPLACE,
        LATEST
    }

    public static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final ConnectionString connectionString;
    private final String database;
    private final CollectionTemplate collection;
    private final List<ValueSource> eventIdSources;
    private final List<ValueSource> aggregateIdSources;
    private final List<ValueSource> aggregateTypeSources;
    private final List<ValueSource> eventTypeSources;
    private final PayloadMode payloadMode;
    private final List<String> storedHeaders;
    private final WriteMode writeMode;
    private final boolean createIndexes;
    private final long ttlSeconds;
    private final int writeParallelism;
    private final long retryBackoffInitialMs;
    private final long retryBackoffMaxMs;
    private final long retryTimeoutMs;
    private final String headerConverter;
    private final List<dev.outboxkit.mongo.convert.VersionSource> versionSources;
    private final ReadModelId latestId;
    private final java.util.Set<String> deleteEventTypes;
    private final long tombstoneTtlSeconds;

    public SinkConfig(Map<String, ?> originals) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, originals, false);
        connectionString =
                new ConnectionString(config.getPassword(CONNECTION_URI).value());
        database = config.getString(DATABASE);
        collection = CollectionTemplate.parse(COLLECTION, config.getString(COLLECTION));
        Pattern topicPattern = Pattern.compile(config.getString(AGGREGATE_TYPE_TOPIC_REGEX));
        eventIdSources = ValueSource.parseList(EVENT_ID_SOURCES, config.getList(EVENT_ID_SOURCES), topicPattern);
        aggregateIdSources =
                ValueSource.parseList(AGGREGATE_ID_SOURCES, config.getList(AGGREGATE_ID_SOURCES), topicPattern);
        aggregateTypeSources =
                ValueSource.parseList(AGGREGATE_TYPE_SOURCES, config.getList(AGGREGATE_TYPE_SOURCES), topicPattern);
        eventTypeSources = ValueSource.parseList(EVENT_TYPE_SOURCES, config.getList(EVENT_TYPE_SOURCES), topicPattern);
        payloadMode = PayloadMode.valueOf(config.getString(PAYLOAD_MODE).trim().toUpperCase(Locale.ROOT));
        storedHeaders = config.getList(HEADERS_STORED).stream()
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .distinct()
                .toList();
        writeMode = WriteMode.valueOf(config.getString(WRITE_MODE).trim().toUpperCase(Locale.ROOT));
        createIndexes = config.getBoolean(INDEXES_CREATE);
        ttlSeconds = config.getLong(TTL_SECONDS);
        writeParallelism = config.getInt(WRITE_PARALLELISM);
        retryBackoffInitialMs = config.getLong(RETRY_BACKOFF_INITIAL_MS);
        retryBackoffMaxMs = config.getLong(RETRY_BACKOFF_MAX_MS);
        retryTimeoutMs = config.getLong(RETRY_TIMEOUT_MS);
        Object declaredHeaderConverter = originals.get(HEADER_CONVERTER);
        headerConverter = declaredHeaderConverter instanceof Class<?> type
                ? type.getName()
                : declaredHeaderConverter == null ? null : declaredHeaderConverter.toString();
        versionSources =
                dev.outboxkit.mongo.convert.VersionSource.parseList(VERSION_SOURCES, config.getList(VERSION_SOURCES));
        latestId = ReadModelId.parse(LATEST_ID, config.getString(LATEST_ID));
        deleteEventTypes = config.getList(DELETE_EVENT_TYPES).stream()
                .map(String::trim)
                .filter(type -> !type.isEmpty())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        tombstoneTtlSeconds = config.getLong(TOMBSTONE_TTL_SECONDS);
        if (writeMode == WriteMode.LATEST && ttlSeconds > 0) {
            throw new ConfigException(
                    TTL_SECONDS,
                    ttlSeconds,
                    "must be 0 with " + WRITE_MODE + "=latest: it would" + " delete aggregates that are still current; "
                            + TOMBSTONE_TTL_SECONDS + " purges deleted ones");
        }
        if (retryBackoffMaxMs < retryBackoffInitialMs) {
            throw new ConfigException(
                    RETRY_BACKOFF_MAX_MS,
                    retryBackoffMaxMs,
                    "must not be less than " + RETRY_BACKOFF_INITIAL_MS + " (" + retryBackoffInitialMs + ")");
        }
    }

    /** The record headers kept in the stored document, in the order given; empty to keep none. */
    public List<String> storedHeaders() {
        return storedHeaders;
    }

    /** Where the read model's version is read, tried in order. */
    public List<dev.outboxkit.mongo.convert.VersionSource> versionSources() {
        return versionSources;
    }

    /** How the read model's document _id is made from the aggregate type and id. */
    public ReadModelId latestId() {
        return latestId;
    }

    /** Event types that delete their aggregate from the read model (leaving a versioned tombstone). */
    public java.util.Set<String> deleteEventTypes() {
        return deleteEventTypes;
    }

    /** Seconds after which the read model's tombstones are purged; 0 keeps them. */
    public long tombstoneTtlSeconds() {
        return tombstoneTtlSeconds;
    }

    public int writeParallelism() {
        return writeParallelism;
    }

    public ConnectionString connectionString() {
        return connectionString;
    }

    public String database() {
        return database;
    }

    public CollectionTemplate collection() {
        return collection;
    }

    public List<ValueSource> eventIdSources() {
        return eventIdSources;
    }

    public List<ValueSource> aggregateIdSources() {
        return aggregateIdSources;
    }

    public List<ValueSource> aggregateTypeSources() {
        return aggregateTypeSources;
    }

    public List<ValueSource> eventTypeSources() {
        return eventTypeSources;
    }

    public PayloadMode payloadMode() {
        return payloadMode;
    }

    public WriteMode writeMode() {
        return writeMode;
    }

    public boolean createIndexes() {
        return createIndexes;
    }

    /** Seconds after which stored events expire; 0 keeps them forever. */
    public long ttlSeconds() {
        return ttlSeconds;
    }

    public long retryBackoffInitialMs() {
        return retryBackoffInitialMs;
    }

    public long retryBackoffMaxMs() {
        return retryBackoffMaxMs;
    }

    /** How long one outage may last before the task fails; negative: forever. */
    public long retryTimeoutMs() {
        return retryTimeoutMs;
    }

    /**
     * The connector's own {@code header.converter} setting (a worker option, not one of ours), or null when the
     * connector leaves it to the worker.
     */
    public String headerConverter() {
        return headerConverter;
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(
                CONNECTION_URI,
                Type.PASSWORD,
                ConfigDef.NO_DEFAULT_VALUE,
                ConnectionUriValidator.INSTANCE,
                Importance.HIGH,
                "The MongoDB connection string (mongodb:// or mongodb+srv://). Its write concern (w, wtimeoutMS, journal)"
                        + " decides when a write counts as acknowledged. Keep credentials out of connector configs with a config"
                        + " provider, e.g. ${file:/secrets/mongo.properties:uri}. When it sets no serverSelectionTimeoutMS, 10 s is"
                        + " used, so an outage turns into retries quickly; when it sets no socketTimeoutMS, 30 s is used, so a"
                        + " network that drops packets without a reset (a partition) turns into retries instead of a hung task.",
                GROUP_CONNECTION,
                ++order,
                Width.LONG,
                "Connection URI");
        def.define(
                DATABASE,
                Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                DatabaseNameValidator.INSTANCE,
                Importance.HIGH,
                "The database holding the event log collections.",
                GROUP_CONNECTION,
                ++order,
                Width.MEDIUM,
                "Database");
        def.define(
                VALIDATE_TIMEOUT_MS,
                Type.LONG,
                5_000L,
                ConfigDef.Range.between(100, 120_000),
                Importance.LOW,
                "How long configuration validation waits for MongoDB to answer. Refused credentials are reported on"
                        + " connection.uri; no answer at all is only logged, so that a config can be changed during an outage.",
                GROUP_CONNECTION,
                ++order,
                Width.SHORT,
                "Validation timeout (ms)");

        order = 0;
        def.define(
                COLLECTION,
                Type.STRING,
                "${topic}",
                CollectionTemplate.VALIDATOR,
                Importance.HIGH,
                "The collection each event is stored in, with placeholders ${topic}, ${aggregateType} and ${eventType}.",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Collection");
        def.define(
                EVENT_ID_SOURCES,
                Type.LIST,
                "header:id",
                ValueSource.LIST_VALIDATOR,
                Importance.HIGH,
                "Where the event id (the document _id) is read, tried in order: header:NAME, value:PATH (dotted path into the"
                        + " value), key. The default is the 'id' header, which both outboxkit's and Debezium's routers set. The id is"
                        + " stored as text (an integer id as its decimal text; bytes as binary). Read from a header, it needs"
                        + " header.converter=org.apache.kafka.connect.storage.StringConverter on the connector: the worker's default"
                        + " re-types \"007\" and \"7\" into the same number, and such ids go to the dead letter queue. A record"
                        + " with no event id goes to the dead letter queue.",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Event id sources");
        def.define(
                AGGREGATE_ID_SOURCES,
                Type.LIST,
                "key",
                ValueSource.LIST_VALIDATOR,
                Importance.MEDIUM,
                "Where the aggregate id is read, tried in order (the routers put it in the record key).",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Aggregate id sources");
        def.define(
                AGGREGATE_TYPE_SOURCES,
                Type.LIST,
                "header:aggregateType,topic",
                ValueSource.LIST_VALIDATOR,
                Importance.MEDIUM,
                "Where the aggregate type is read, tried in order; 'topic' takes it from the topic name through '"
                        + AGGREGATE_TYPE_TOPIC_REGEX + "'.",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Aggregate type sources");
        def.define(
                AGGREGATE_TYPE_TOPIC_REGEX,
                Type.STRING,
                "(?:outbox\\.event\\.)?(.+)",
                Validators.regex(),
                Importance.LOW,
                "For the 'topic' source: a regex matched against the whole topic name whose first group is the aggregate type."
                        + " By default everything after the router's prefix 'outbox.event.': outbox.event.com.acme.Order gives"
                        + " com.acme.Order, so aggregate types of two namespaces never share a ${aggregateType} collection; a topic"
                        + " without the prefix gives its whole name.",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Aggregate type from topic");
        def.define(
                EVENT_TYPE_SOURCES,
                Type.LIST,
                "header:eventType,header:type",
                ValueSource.LIST_VALIDATOR,
                Importance.MEDIUM,
                "Where the event type is read, tried in order (route it into a header with the router's"
                        + " table.fields.additional.placement=type:header:eventType).",
                GROUP_DOCUMENTS,
                ++order,
                Width.MEDIUM,
                "Event type sources");
        def.define(
                PAYLOAD_MODE,
                Type.STRING,
                "nested",
                Validators.oneOf(List.of("nested", "merged")),
                Importance.MEDIUM,
                "'nested' stores the payload under the 'payload' field; 'merged' stores the payload's fields at the top level"
                        + " next to the metadata fields (a payload field named like a metadata field is then an error).",
                GROUP_DOCUMENTS,
                ++order,
                Width.SHORT,
                "Payload placement");
        def.define(
                HEADERS_STORED,
                Type.LIST,
                "",
                Importance.LOW,
                "Record headers to keep in the stored document, as a comma-separated list of header names (for example"
                        + " 'traceparent,tracestate', so that the trace id reaches the event log). They are stored under a"
                        + " 'headers' field, name to value, as the worker's header converter gave them (text with"
                        + " StringConverter); when a name repeats the last one counts, and a missing header is left out.",
                GROUP_DOCUMENTS,
                ++order,
                Width.LONG,
                "Stored headers");

        order = 0;
        def.define(
                WRITE_MODE,
                Type.STRING,
                "insert",
                Validators.oneOf(List.of("insert", "replace", "latest")),
                Importance.HIGH,
                "'insert': first write wins; an event id already stored changes nothing and counts as a duplicate (the event"
                        + " log). 'replace': the latest version of each event id is kept (replace by _id, upsert), in record order."
                        + " 'latest': a read model, one document per aggregate holding its highest-versioned event (see the"
                        + " '" + GROUP_READ_MODEL
                        + "' options); an event whose version is not above the stored one changes"
                        + " nothing and counts as a duplicate.",
                GROUP_WRITES,
                ++order,
                Width.SHORT,
                "Write mode");
        def.define(
                INDEXES_CREATE,
                Type.BOOLEAN,
                true,
                Importance.MEDIUM,
                "Whether the task creates, for each collection it writes, an index on aggregateId and timestamp for reading"
                        + " one aggregate's history.",
                GROUP_WRITES,
                ++order,
                Width.SHORT,
                "Create indexes");
        def.define(
                TTL_SECONDS,
                Type.LONG,
                0L,
                ConfigDef.Range.atLeast(0),
                Importance.LOW,
                "When above 0, a TTL index on timestamp removes events this many seconds after their timestamp (log"
                        + " retention). 0 keeps events forever.",
                GROUP_WRITES,
                ++order,
                Width.SHORT,
                "Retention (seconds)");
        def.define(
                WRITE_PARALLELISM,
                Type.INT,
                1,
                ConfigDef.Range.between(1, 32),
                Importance.LOW,
                "How many collections of one batch a task writes at the same time, each with its own bulk write; 1 writes"
                        + " them one after another. For batches that span collections when each write's round trip to MongoDB"
                        + " is long. A batch is still acknowledged as a whole: put() returns when every collection's write is"
                        + " done, so offsets and per-collection record order are as with 1.",
                GROUP_WRITES,
                ++order,
                Width.SHORT,
                "Collections written at once");

        order = 0;
        def.define(
                VERSION_SOURCES,
                Type.LIST,
                "header:aggregateVersion,header:outbox.source.version",
                dev.outboxkit.mongo.convert.VersionSource.LIST_VALIDATOR,
                Importance.HIGH,
                "With write.mode=latest: where each event's version is read, tried in order. The version must be a"
                        + " non-negative integer (a number, or its decimal text of at most 34 digits); a higher version is a later"
                        + " state of the aggregate. Best: the outbox table's own aggregate version or sequence column, carried"
                        + " by the router (table.fields.additional.placement=version:header:aggregateVersion). Otherwise the"
                        + " router's 'outbox.source.version' header (provenance.headers=true): the position of the row in the"
                        + " binlog or WAL as a number, or the polling source's cursor. 'kafka.offset' (the record's offset in its partition) is a last resort: it"
                        + " compares only while an aggregate's events stay on one partition of one topic. A record with no version,"
                        + " or one that is not such an integer, goes to the dead letter queue.",
                GROUP_READ_MODEL,
                ++order,
                Width.LONG,
                "Version sources");
        def.define(
                LATEST_ID,
                Type.STRING,
                "${aggregateType}:${aggregateId}",
                ReadModelId.VALIDATOR,
                Importance.MEDIUM,
                "With write.mode=latest: the _id of an aggregate's document, from ${aggregateType} and ${aggregateId}."
                        + " Exactly '${aggregateId}' keeps the aggregate id with its own type (a number stays a number);"
                        + " anything else makes a string.",
                GROUP_READ_MODEL,
                ++order,
                Width.MEDIUM,
                "Document id");
        def.define(
                DELETE_EVENT_TYPES,
                Type.LIST,
                "",
                Importance.MEDIUM,
                "With write.mode=latest: event types (comma-separated) that delete their aggregate. Such an event leaves a"
                        + " tombstone (deleted: true, deletedAt, its version and event id, no payload) so that an older event"
                        + " arriving later does not bring the aggregate back; a newer one does.",
                GROUP_READ_MODEL,
                ++order,
                Width.LONG,
                "Deletion event types");
        def.define(
                TOMBSTONE_TTL_SECONDS,
                Type.LONG,
                0L,
                ConfigDef.Range.atLeast(0),
                Importance.LOW,
                "With write.mode=latest: when above 0, a TTL index on deletedAt removes tombstones this many seconds after"
                        + " the deletion event's timestamp. Once a tombstone is gone, an older event of that aggregate arriving"
                        + " later (a replay from before the deletion) creates it again: keep tombstones longer than any replay"
                        + " reaches back. 0 keeps them forever.",
                GROUP_READ_MODEL,
                ++order,
                Width.SHORT,
                "Tombstone retention (seconds)");

        order = 0;
        def.define(
                RETRY_BACKOFF_INITIAL_MS,
                Type.LONG,
                200L,
                ConfigDef.Range.between(1, 600_000),
                Importance.LOW,
                "The first wait after a transient MongoDB failure (network, timeout, no primary, write concern); each further"
                        + " failure doubles it.",
                GROUP_RETRIES,
                ++order,
                Width.SHORT,
                "Initial back-off (ms)");
        def.define(
                RETRY_BACKOFF_MAX_MS,
                Type.LONG,
                10_000L,
                ConfigDef.Range.between(1, 3_600_000),
                Importance.LOW,
                "The longest wait between retries.",
                GROUP_RETRIES,
                ++order,
                Width.SHORT,
                "Maximum back-off (ms)");
        def.define(
                RETRY_TIMEOUT_MS,
                Type.LONG,
                -1L,
                ConfigDef.Range.atLeast(-1),
                Importance.MEDIUM,
                "How long the task keeps retrying one outage before it fails; -1 retries until MongoDB is back. While it"
                        + " retries the task stays RUNNING and no offsets are committed for the records waiting.",
                GROUP_RETRIES,
                ++order,
                Width.SHORT,
                "Retry timeout (ms)");
        return def;
    }

    private static final class ConnectionUriValidator implements ConfigDef.Validator {
        static final ConnectionUriValidator INSTANCE = new ConnectionUriValidator();

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return; // ConfigDef reports the missing required option itself.
            }
            String uri = ((Password) value).value();
            ConnectionString parsed;
            try {
                parsed = new ConnectionString(uri);
            } catch (IllegalArgumentException e) {
                // The driver's message may quote the URI, password included: say what is wrong without it.
                throw new ConfigException(
                        name,
                        "[hidden]",
                        "is not a valid MongoDB connection string (expected"
                                + " mongodb://host[:port][,host...]/[?options] or mongodb+srv://host/[?options])");
            }
            if (parsed.getWriteConcern() != null && !parsed.getWriteConcern().isAcknowledged()) {
                throw new ConfigException(
                        name,
                        "[hidden]",
                        "asks for unacknowledged writes (w=0): the sink commits offsets"
                                + " only for what MongoDB acknowledged, so it needs w=1, w=majority or no w option");
            }
        }

        @Override
        public String toString() {
            return "mongodb:// or mongodb+srv:// connection string";
        }
    }

    private static final class DatabaseNameValidator implements ConfigDef.Validator {
        static final DatabaseNameValidator INSTANCE = new DatabaseNameValidator();
        private static final String FORBIDDEN = "/\\. \"$*<>:|?";

        @Override
        public void ensureValid(String name, Object value) {
            String database = (String) value;
            if (database == null) {
                return; // ConfigDef reports the missing required option itself.
            }
            if (database.isBlank()) {
                throw new ConfigException(name, value, "must name a database");
            }
            for (char c : database.toCharArray()) {
                if (FORBIDDEN.indexOf(c) >= 0 || c == 0) {
                    throw new ConfigException(name, value, "may not contain any of / \\ . space \" $ * < > : | ?");
                }
            }
            if (database.length() > 63) {
                throw new ConfigException(name, value, "must be at most 63 characters");
            }
        }

        @Override
        public String toString() {
            return "MongoDB database name";
        }
    }
}
