package dev.outboxkit.polling.db;

/**
 * How far a table has been read: the transaction id (PostgreSQL; always 0 on MariaDB/MySQL) and the position of
 * the last row emitted. Ordered by transaction id, then position. Lives only in Connect's source offsets.
 */
public record Cursor(long txid, long position) implements Comparable<Cursor> {

    /** Before every row: transaction ids and positions start at 1. */
    public static final Cursor START = new Cursor(0, 0);

    @Override
    public int compareTo(Cursor other) {
        int byTxid = Long.compare(txid, other.txid);
        return byTxid != 0 ? byTxid : Long.compare(position, other.position);
    }

    public boolean isAfter(Cursor other) {
        return compareTo(other) > 0;
    }
}
