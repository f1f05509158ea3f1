package dev.outboxkit.router.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The {@code outbox.source.version} header: a decimal integer that orders changes as the source log does, where the
 * text form (`binlog mysql-bin.000010:5` against `mysql-bin.000009:900`, hex-looking LSNs) does not.
 */
class ComparablePositionTest {

    private static Map<String, Object> binlog(String file, long pos, Integer row) {
        Map<String, Object> source = new HashMap<>();
        source.put("file", file);
        source.put("pos", pos);
        if (row != null) {
            source.put("row", row);
        }
        return source;
    }

    @Test
    void binlogPositionsOrderByFileThenPositionThenRowEvenWhereTheirTextDoesNot() {
        List<Map<String, Object>> inLogOrder = List.of(
                binlog("mysql-bin.000009", 4, 0),
                binlog("mysql-bin.000009", 900, 0),
                binlog("mysql-bin.000009", 900, 1),
                binlog("mysql-bin.000009", 900, 2),
                binlog("mysql-bin.000009", 1_000_000_000_000L, 0),
                binlog("mysql-bin.000010", 5, null),
                binlog("mariadb-bin.1000000", 4, 99_999));
        assertNumbersSortInto(
                inLogOrder.stream().map(Provenance::comparablePosition).toList());
        assertThat(Provenance.comparablePosition(binlog("mysql-bin.000003", 1234, 0)))
                .isEqualTo("3000000000000000123400000");
        assertThat(Provenance.comparablePosition(binlog("mariadb-bin.999999999", 999_999_999_999_999_999L, 99_999)))
                .hasSize(33);
    }

    /** The polling source's cursor: MariaDB/MySQL's position, PostgreSQL's transaction id then position. */
    @Test
    void aPolledRowsVersionOrdersAsItsCursorAndOtherOffsetsHaveNone() {
        assertThat(Provenance.polledVersion(Map.of("position", 5L))).isEqualTo("5");
        List<Map<String, Object>> inCursorOrder = List.of(
                Map.of("txid", 0L, "position", 0L),
                Map.of("txid", 7L, "position", 900L),
                Map.of("txid", 7L, "position", 901L),
                Map.of("txid", 8L, "position", 2L),
                Map.of("txid", 8L, "position", Long.MAX_VALUE),
                Map.of("txid", 999_999_999_999_999L, "position", 1L));
        assertNumbersSortInto(
                inCursorOrder.stream().map(Provenance::polledVersion).toList());
        assertThat(Provenance.polledVersion(Map.of("txid", 7L, "position", 900L)))
                .isEqualTo("70000000000000000900");
        assertThat(Provenance.polledVersion(Map.of("txid", 999_999_999_999_999L, "position", Long.MAX_VALUE)))
                .hasSize(34);
        // Not the polling source's cursor: no version rather than a wrong one.
        assertThat(Provenance.polledVersion(Map.of("txid", 1_000_000_000_000_000L, "position", 1L)))
                .isNull();
        assertThat(Provenance.polledVersion(Map.of("position", -1L))).isNull();
        assertThat(Provenance.polledVersion(Map.of("position", 1.5))).isNull();
        assertThat(Provenance.polledVersion(Map.of("position", "5"))).isNull();
        assertThat(Provenance.polledVersion(Map.of("incrementing", 5L))).isNull();
        assertThat(Provenance.polledVersion(Map.of("position", 5L, "timestamp", 1L)))
                .isNull();
        assertThat(Provenance.polledVersion(Map.of())).isNull();
        assertThat(Provenance.polledVersion(null)).isNull();
    }

    @Test
    void anLsnIsItsNumber() {
        assertThat(Provenance.comparablePosition(Map.of("lsn", 24023128L))).isEqualTo("24023128");
        assertThat(new BigInteger(Provenance.comparablePosition(Map.of("lsn", 0x1_0000_0000L))))
                .isGreaterThan(new BigInteger(Provenance.comparablePosition(Map.of("lsn", 0xFFFF_FFFFL))));
    }

    @Test
    void positionsOutOfRangeOrWithoutAFileIndexGiveNoVersion() {
        assertThat(Provenance.comparablePosition(binlog("binlog", 4, 0))).isNull();
        assertThat(Provenance.comparablePosition(binlog("mysql-bin.000001", 4, 100_000)))
                .isNull();
        assertThat(Provenance.comparablePosition(Map.of("file", "mysql-bin.000001")))
                .isNull();
        assertThat(Provenance.comparablePosition(Map.of())).isNull();
    }

    /** The decimal texts, as numbers, sort (from a shuffle) back into the order given. */
    private static void assertNumbersSortInto(List<String> inOrder) {
        List<BigInteger> numbers = inOrder.stream().map(BigInteger::new).toList();
        List<BigInteger> sorted = new ArrayList<>(numbers);
        Collections.shuffle(sorted, new Random(1));
        Collections.sort(sorted);
        assertThat(sorted).containsExactlyElementsOf(numbers);
    }
}
