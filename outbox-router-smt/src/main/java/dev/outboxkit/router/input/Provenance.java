package dev.outboxkit.router.input;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Where an outbox row came from: source server, database, table and log position (binlog file:pos or LSN),
 * read from the change event's {@code source} block, or from the source offsets of a flat row. Used to name the
 * place in error messages and, on request, as headers. Never holds row values.
 */
public record Provenance(String server, String database, String table, String position, String version, String record) {

    public static final String HEADER_SERVER = "outbox.source.server";
    public static final String HEADER_DATABASE = "outbox.source.db";
    public static final String HEADER_TABLE = "outbox.source.table";
    public static final String HEADER_POSITION = "outbox.source.position";
    /** The log position as a non-negative decimal integer that orders events as the source log does. */
    public static final String HEADER_VERSION = "outbox.source.version";

    public static final List<String> HEADERS =
            List.of(HEADER_SERVER, HEADER_DATABASE, HEADER_TABLE, HEADER_POSITION, HEADER_VERSION);
    /** Binlog order: file index, then position in the file (below 10^19), then row in the event (below 10^5). */
    private static final BigInteger POSITION_SCALE = BigInteger.TEN.pow(24);

    private static final BigInteger ROW_SCALE = BigInteger.TEN.pow(5);
    private static final long MAX_ROW = 99_999;
    private static final Pattern BINLOG_INDEX = Pattern.compile(".*\\.([0-9]{1,9})");
    /** A polled row's version: transaction id times 10^19 plus position; ids below 10^15 keep it within 34 digits. */
    private static final BigInteger POLLED_TXID_SCALE = BigInteger.TEN.pow(19);

    private static final long MAX_POLLED_TXID = 1_000_000_000_000_000L;

    static Provenance of(ConnectRecord<?> record, Object source) {
        String recordPlace = recordPlace(record);
        if (source != null) {
            String server = text(source, "name");
            String database = text(source, "db");
            String schema = text(source, "schema");
            String table = text(source, "table");
            String qualifiedTable = table == null
                    ? null
                    : (schema != null ? schema : database) == null
                            ? table
                            : (schema != null ? schema : database) + "." + table;
            return new Provenance(
                    server, database, qualifiedTable, logPosition(source), comparablePosition(source), recordPlace);
        }
        if (record instanceof SourceRecord sourceRecord) {
            Map<String, ?> partition = sourceRecord.sourcePartition();
            String table = partition == null ? null : stringOrNull(partition.get("table"));
            String position = sourceRecord.sourceOffset() == null
                            || sourceRecord.sourceOffset().isEmpty()
                    ? null
                    : "offset " + new TreeMap<>(sourceRecord.sourceOffset());
            return new Provenance(null, null, table, position, polledVersion(sourceRecord.sourceOffset()), recordPlace);
        }
        return new Provenance(null, null, null, null, null, recordPlace);
    }

    /** "table inventory.outbox at binlog mysql-bin.000003:1234 (topic dbserver1.inventory.outbox)", for messages. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append(table != null ? "table " + table : "row");
        if (position != null) {
            text.append(" at ").append(position);
        }
        text.append(" (").append(record).append(')');
        return text.toString();
    }

    /** Adds the non-null parts as string headers. */
    public void addHeaders(Headers headers) {
        addIfPresent(headers, HEADER_SERVER, server);
        addIfPresent(headers, HEADER_DATABASE, database);
        addIfPresent(headers, HEADER_TABLE, table);
        addIfPresent(headers, HEADER_POSITION, position);
        addIfPresent(headers, HEADER_VERSION, version);
    }

    /**
     * The log position as a decimal integer that compares as the log orders changes, for a read model's version:
     * PostgreSQL's LSN as its number (each change of a transaction has its own); for a binlog
     * {@code fileIndex * 10^24 + pos * 10^5 + row} (the file's numeric extension, the event's position, the row in
     * the event), at most 34 digits. Null when the source block has neither, or a part is out of range. Snapshot
     * rows all carry the snapshot's position, so they do not order among themselves.
     */
    static String comparablePosition(Object source) {
        String lsn = text(source, "lsn");
        if (lsn != null) {
            return isDigits(lsn) ? new BigInteger(lsn).toString() : null;
        }
        String file = text(source, "file");
        String pos = text(source, "pos");
        if (file == null || pos == null || !isDigits(pos) || pos.length() > 18) {
            return null;
        }
        Matcher index = BINLOG_INDEX.matcher(file);
        if (!index.matches()) {
            return null;
        }
        String rowText = text(source, "row");
        long row = rowText == null || !isDigits(rowText) || rowText.length() > 6 ? 0 : Long.parseLong(rowText);
        if (row > MAX_ROW) {
            return null;
        }
        return new BigInteger(index.group(1))
                .multiply(POSITION_SCALE)
                .add(new BigInteger(pos).multiply(ROW_SCALE))
                .add(BigInteger.valueOf(row))
                .toString();
    }

    /**
     * The version of a flat row from outboxkit's polling source, whose source offset is its cursor: {@code position}
     * (MariaDB/MySQL), or {@code txid} then {@code position} (PostgreSQL) as {@code txid * 10^19 + position} (a
     * position is below 2^63 < 10^19), the order in which the source emits a table's rows. Null for any other offset
     * (another source's keys, a negative or non-integer value, or a transaction id of 10^15 or more, which would
     * take the number past the 34 digits a read model's version holds).
     */
    static String polledVersion(Map<String, ?> offset) {
        if (offset == null || !(offset.get("position") instanceof Number position) || !integral(position)) {
            return null;
        }
        Object txid = offset.get("txid");
        if (offset.size() != (txid == null ? 1 : 2)
                || position.longValue() < 0
                || txid != null
                        && (!(txid instanceof Number t)
                                || !integral(t)
                                || t.longValue() < 0
                                || t.longValue() >= MAX_POLLED_TXID)) {
            return null;
        }
        BigInteger major = txid == null ? BigInteger.ZERO : BigInteger.valueOf(((Number) txid).longValue());
        return major.multiply(POLLED_TXID_SCALE)
                .add(BigInteger.valueOf(position.longValue()))
                .toString();
    }

    private static boolean integral(Number number) {
        return number instanceof Long || number instanceof Integer || number instanceof Short || number instanceof Byte;
    }

    private static boolean isDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static void addIfPresent(Headers headers, String name, String value) {
        if (value != null) {
            headers.addString(name, value);
        }
    }

    private static String logPosition(Object source) {
        String lsn = text(source, "lsn");
        if (lsn != null) {
            return "LSN " + lsn;
        }
        String file = text(source, "file");
        if (file != null) {
            String pos = text(source, "pos");
            String row = text(source, "row");
            return "binlog " + file + ":" + pos + (row != null && !"0".equals(row) ? " row " + row : "");
        }
        return null;
    }

    private static String recordPlace(ConnectRecord<?> record) {
        if (record instanceof SinkRecord sink) {
            return "topic " + sink.topic() + "-" + sink.kafkaPartition() + "@" + sink.kafkaOffset();
        }
        return "topic " + record.topic();
    }

    private static String text(Object source, String field) {
        if (source instanceof Struct struct) {
            return struct.schema().field(field) == null ? null : stringOrNull(struct.get(field));
        }
        if (source instanceof Map<?, ?> map) {
            return stringOrNull(map.get(field));
        }
        return null;
    }

    private static String stringOrNull(Object value) {
        return value == null ? null : value.toString();
    }
}
