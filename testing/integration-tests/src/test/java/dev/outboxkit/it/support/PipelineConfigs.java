package dev.outboxkit.it.support;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.outboxkit.testkit.db.MariaDbServer;

/** The shipped connector configs pointed at one test's database, topics and event log: shared by the pipeline tests. */
public final class PipelineConfigs {

    /** Each MariaDB source connector needs a server id of its own. */
    private static int serverIds = 5400;

    private PipelineConfigs() {}

    /** The shipped MariaDB source config, pointed at this test's database and topic prefix. */
    public static Map<String, String> sourceConfig(
            ConnectStack stack, MariaDbServer db, String database, String prefix, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database.hostname", db.host());
        overrides.put("database.port", Integer.toString(db.port()));
        overrides.put("database.user", db.user());
        overrides.put("database.server.id", Integer.toString(++serverIds));
        overrides.put("topic.prefix", prefix);
        overrides.put("database.include.list", database);
        overrides.put("table.include.list", database + "\\.outbox.*");
        overrides.put("schema.history.internal.kafka.bootstrap.servers", stack.bootstrapServers());
        overrides.put("schema.history.internal.kafka.topic", "schema-history." + prefix);
        overrides.putAll(extra);
        return stack.shippedConfig("mariadb-outbox-source.json", overrides);
    }

    public static Map<String, String> sinkConfig(
            ConnectStack stack, String database, String topicsRegex, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("database", database);
        overrides.put("topics.regex", topicsRegex);
        overrides.put("errors.deadletterqueue.topic.name", "dlq." + database);
        overrides.putAll(extra);
        return stack.shippedConfig("mongo-log-sink.json", overrides);
    }
}
