package dev.outboxkit.polling.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * MariaDB/MySQL: settles the holes in a table's positions. Positions come from the table's AUTO_INCREMENT, handed
 * out when a row is inserted; the row becomes visible when its transaction commits. Before a transaction takes a
 * position, the shipped trigger locks its connection's row (its slot) of the writers table, bumps that row's
 * generation, and keeps the lock until the transaction ends.
 *
 * <p>Rows read without a missing position before them are settled at once: every position up to the last of them
 * belongs to a committed row. At the first hole (a missing position with rows after it), the relay takes a proof
 * after the read: the slots locked at that moment, each with its committed generation read after the lock check.
 * Any transaction that still holds a position up to the highest one read took it before that read, so it held its
 * slot's lock before the read too, and at the lock check it had either ended or was among the locked slots. Once
 * every slot of the proof has been seen unlocked, or with another committed generation (only a commit by its
 * holder or a later one can change it), all those transactions have ended, and a read after that sees every row up
 * to the proof's bound that will ever exist: the holes left are positions of rolled-back transactions (or values
 * the server skipped), and never fill. Nothing waits, and nothing depends on time: a transaction held open holds
 * back only the rows after its position, until it ends.
 */
final class WriterSlots implements Horizon {

    /** The writers table's columns (the shipped DDL's), quoted; validation reads them too. */
    static final String SLOT = "`slot`";

    static final String GENERATION = "`gen`";

    private final String writersTable;
    /** Every position at or before it that will ever be committed was visible to the reads since it was set. */
    private long settledUpTo;

    private Proof proof;
    private Connection productOf;
    private boolean mariadb;

    WriterSlots(String writersTable) {
        this.writersTable = writersTable;
    }

    /** The slots locked after a read, with their committed generations; they cover every position up to bound. */
    private record Proof(long bound, Map<Integer, Long> watched) {}

    @Override
    public int settled(Connection connection, long cursor, long[] positions) throws SQLException {
        long next = Math.max(cursor, settledUpTo) + 1;
        int settled = 0;
        while (settled < positions.length && positions[settled] <= next) {
            next = Math.max(positions[settled], settledUpTo) + 1;
            settled++;
        }
        if (settled == positions.length) {
            return settled;
        }
        // Position `next` is missing, and rows after it were read.
        if (proof != null && proof.bound() >= next) {
            proof = stillInFlight(connection, proof);
        } else {
            proof = takeProof(connection, positions[positions.length - 1]);
        }
        if (proof.watched().isEmpty()) {
            settledUpTo = proof.bound();
            proof = null;
            return READ_AGAIN;
        }
        return settled;
    }

    private Proof takeProof(Connection connection, long bound) throws SQLException {
        Set<Integer> free = freeSlots(connection, null);
        Map<Integer, Long> watched = new HashMap<>();
        for (Map.Entry<Integer, Long> slot : generations(connection).entrySet()) {
            if (!free.contains(slot.getKey())) {
                watched.put(slot.getKey(), slot.getValue());
            }
        }
        return new Proof(bound, watched);
    }

    /** The proof without the slots whose holder at the proof has since ended. */
    private Proof stillInFlight(Connection connection, Proof proof) throws SQLException {
        Set<Integer> free = freeSlots(connection, proof.watched().keySet());
        Map<Integer, Long> watched = new HashMap<>(proof.watched());
        watched.keySet().removeAll(free);
        if (!watched.isEmpty()) {
            Map<Integer, Long> generations = generations(connection);
            watched.entrySet().removeIf(slot -> !slot.getValue().equals(generations.get(slot.getKey())));
        }
        return new Proof(proof.bound(), watched);
    }

    /**
     * The slots no transaction holds now: a shared locking read that skips locked rows (it waits for nothing, and,
     * in auto-commit, lets go of its locks when the statement ends).
     */
    private Set<Integer> freeSlots(Connection connection, Set<Integer> among) throws SQLException {
        String where = among == null
                ? ""
                : " WHERE " + SLOT + " IN ("
                        + String.join(",", among.stream().map(String::valueOf).toList()) + ")";
        if (connection != productOf) {
            // MariaDB takes SKIP LOCKED after LOCK IN SHARE MODE, MySQL 8 only after FOR SHARE.
            mariadb = connection
                    .getMetaData()
                    .getDatabaseProductName()
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("mariadb");
            productOf = connection;
        }
        String sql = "SELECT " + SLOT + " FROM " + writersTable + where
                + (mariadb ? " LOCK IN SHARE MODE SKIP LOCKED" : " FOR SHARE SKIP LOCKED");
        Set<Integer> free = new HashSet<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                free.add(rs.getInt(1));
            }
        }
        return free;
    }

    /** Each slot's committed generation (a plain read, after the lock check). */
    private Map<Integer, Long> generations(Connection connection) throws SQLException {
        Map<Integer, Long> generations = new HashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT " + SLOT + ", " + GENERATION + " FROM " + writersTable)) {
            while (rs.next()) {
                generations.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return generations;
    }
}
