package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Which rows of a batch just read may be handed on, for one table. PostgreSQL's query returns only settled rows
 * (its horizon is in the statement); on MariaDB/MySQL a position missing among the rows read may still be taken by
 * a transaction in flight, and {@link WriterSlots} settles such holes.
 */
public interface Horizon {

    /** Returned by {@link #settled} when a proof was just completed: a fresh read settles more rows. */
    int READ_AGAIN = -1;

    /**
     * How many of the rows just read, from the first, are settled: no transaction can still commit a row before
     * any of them that the read did not return. May run statements, always after the read.
     *
     * @param cursor the position of the last row handed on (every row at or before it was)
     * @param positions the positions the read returned, ascending, all after the cursor
     * @return a count from 0 to {@code positions.length}, or {@link #READ_AGAIN}
     */
    int settled(Connection connection, long cursor, long[] positions) throws SQLException;

    /** Every row a statement with the horizon in it returns is settled. */
    Horizon IN_THE_QUERY = (connection, cursor, positions) -> positions.length;
}
