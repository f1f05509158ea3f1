package dev.outboxkit.router.output;

import java.util.List;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import dev.outboxkit.router.json.FieldNameAdjustment;

/**
 * Value schemas of events with 'envelope' placements: a struct of {@code payload} and the placed columns,
 * named after the table's value schema with the route-by value inserted ({@code server.db.outbox.Order.Value}),
 * versioned by the schema version column.
 *
 * <p>Debezium caches this schema by payload schema alone (or by version alone), so an event of aggregate type B
 * after one of type A gets A's schema name, and a second payload shape under one version fails. Here the cache
 * key is everything the schema depends on: the row schema, the payload schema, the route-by value and the
 * version. Schemas are compared by identity (sources reuse schema instances), so a lookup costs no deep
 * comparison; the cache is bounded and thread-safe.
 */
final class EnvelopeSchemas {

    static final String PAYLOAD_FIELD = "payload";
    private static final int CACHE_SIZE = 1024;

    private final List<AdditionalField> envelopeFields;
    private final FieldNameAdjustment nameAdjustment;
    private final Cache<Key, Schema> schemas = new SynchronizedCache<>(new LRUCache<>(CACHE_SIZE));

    /**
     * @param nameAdjustment makes the schema name a valid Avro full name (an aggregate type such as
     *                       {@code Order-Line} would not be); {@code NONE} keeps Debezium's name
     */
    EnvelopeSchemas(List<AdditionalField> envelopeFields, FieldNameAdjustment nameAdjustment) {
        this.envelopeFields = envelopeFields;
        this.nameAdjustment = nameAdjustment;
    }

    /**
     * @param fieldSchemas the schema of each envelope field, in the order of {@code envelopeFields}; null where
     *                     the column is missing and left out
     */
    Schema schemaFor(
            Schema rowSchema, Schema payloadSchema, String routedByValue, Integer version, Schema[] fieldSchemas) {
        Key key = new Key(rowSchema, payloadSchema, routedByValue, version, fieldSchemas);
        Schema schema = schemas.get(key);
        if (schema == null) {
            SchemaBuilder builder = SchemaBuilder.struct()
                    .name(nameAdjustment.adjustFullName(schemaName(rowSchema.name(), routedByValue)));
            if (version != null) {
                builder.version(version);
            }
            builder.field(PAYLOAD_FIELD, payloadSchema);
            for (int i = 0; i < envelopeFields.size(); i++) {
                if (fieldSchemas[i] != null) {
                    builder.field(envelopeFields.get(i).alias(), fieldSchemas[i]);
                }
            }
            schema = builder.build();
            schemas.put(key, schema);
        }
        return schema;
    }

    /** "server.db.outbox.Value" routed by "Order" becomes "server.db.outbox.Order.Value". */
    static String schemaName(String rowSchemaName, String routedByValue) {
        if (rowSchemaName == null) {
            return routedByValue;
        }
        int lastDot = rowSchemaName.lastIndexOf('.');
        if (lastDot < 0) {
            return routedByValue + "." + rowSchemaName;
        }
        return rowSchemaName.substring(0, lastDot + 1) + routedByValue + "." + rowSchemaName.substring(lastDot + 1);
    }

    private static final class Key {
        private final Schema rowSchema;
        private final Schema payloadSchema;
        private final String routedByValue;
        private final Integer version;
        private final Schema[] fieldSchemas;
        private final int hash;

        Key(Schema rowSchema, Schema payloadSchema, String routedByValue, Integer version, Schema[] fieldSchemas) {
            this.rowSchema = rowSchema;
            this.payloadSchema = payloadSchema;
            this.routedByValue = routedByValue;
            this.version = version;
            this.fieldSchemas = fieldSchemas;
            int h = System.identityHashCode(rowSchema);
            h = 31 * h + System.identityHashCode(payloadSchema);
            h = 31 * h + routedByValue.hashCode();
            h = 31 * h + (version == null ? 0 : version);
            for (Schema field : fieldSchemas) {
                h = 31 * h + System.identityHashCode(field);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key other)
                    || hash != other.hash
                    || rowSchema != other.rowSchema
                    || payloadSchema != other.payloadSchema
                    || !routedByValue.equals(other.routedByValue)
                    || !java.util.Objects.equals(version, other.version)
                    || fieldSchemas.length != other.fieldSchemas.length) {
                return false;
            }
            for (int i = 0; i < fieldSchemas.length; i++) {
                if (fieldSchemas[i] != other.fieldSchemas[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
