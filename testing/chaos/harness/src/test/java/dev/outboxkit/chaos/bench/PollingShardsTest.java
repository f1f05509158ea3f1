package dev.outboxkit.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.outboxkit.testkit.db.OutboxDdl;

/** bench-pipeline.sh --polling-shards: the option, the polling source's settings, the writers' tables, the DDL. */
class PollingShardsTest {

    @Test
    void oneShardByDefaultAndNoneOrMoreThanWritersRefused() {
        assertThat(PipelineBenchmark.Options.parse(new String[] {}).pollingShards())
                .isEqualTo(1);
        assertThat(PipelineBenchmark.Options.parse(new String[] {"--polling-shards", "4"})
                        .pollingShards())
                .isEqualTo(4);
        assertThatThrownBy(() -> PipelineBenchmark.Options.parse(new String[] {"--polling-shards", "0"}))
                .hasMessage("bench-pipeline.sh: --polling-shards needs a positive number, not 0");
        assertThatThrownBy(
                        () -> PipelineBenchmark.Options.parse(new String[] {"--polling-shards", "5", "--writers", "4"}))
                .hasMessage("bench-pipeline.sh: --polling-shards 5 leaves tables without a writer (--writers 4)");
    }

    @Test
    void thePollingSourceReadsEveryShardInOneTask() {
        assertThat(PipelineBenchmark.pollingShardSettings(false, 4))
                .containsExactly(
                        Map.entry("tables", "shop.outbox,shop.outbox_1,shop.outbox_2,shop.outbox_3"),
                        Map.entry("tasks.max", "1"));
        assertThat(PipelineBenchmark.pollingShardSettings(true, 2))
                .containsEntry("tables", "public.outbox,public.outbox_1");
    }

    /** 8 writers over 3 shards: each writer always into one table, every table written, the usual events. */
    @Test
    void eachWriterKeepsToOneShardSoEachAggregateStaysInOneTable() {
        TimedWriters.Shape shape = PipelineBenchmark.shardShape(3);
        Map<Integer, Set<String>> tablesOfWriter = new TreeMap<>();
        Map<String, Set<String>> aggregatesOfTable = new HashMap<>();
        for (int writer = 0; writer < 8; writer++) {
            for (int sequence = 1; sequence <= 50; sequence++) {
                String table = shape.table(writer, sequence);
                tablesOfWriter.computeIfAbsent(writer, w -> new TreeSet<>()).add(table);
                aggregatesOfTable
                        .computeIfAbsent(table, t -> new TreeSet<>())
                        .add(shape.event("p", writer, sequence).aggregateId());
                assertThat(shape.event("p", writer, sequence)).isEqualTo(TimedWriters.event("p", writer, sequence));
            }
        }
        assertThat(tablesOfWriter)
                .containsExactly(
                        Map.entry(0, Set.of("outbox")),
                        Map.entry(1, Set.of("outbox_1")),
                        Map.entry(2, Set.of("outbox_2")),
                        Map.entry(3, Set.of("outbox")),
                        Map.entry(4, Set.of("outbox_1")),
                        Map.entry(5, Set.of("outbox_2")),
                        Map.entry(6, Set.of("outbox")),
                        Map.entry(7, Set.of("outbox_1")));
        // No aggregate in two tables.
        List<String> all =
                aggregatesOfTable.values().stream().flatMap(Set::stream).toList();
        assertThat(all).doesNotHaveDuplicates();
    }

    /** Each shard from the shipped DDL has a writers table and a trigger of its own, not the first table's. */
    @Test
    void eachShardHasItsOwnWritersTableAndTrigger() {
        String ddl = String.join("\n", OutboxDdl.statements(false, GrowthBenchmark.table(2)));
        assertThat(ddl)
                .contains("CREATE TABLE outbox_2 (")
                .contains("CREATE TABLE outbox_2_writers")
                .contains("CREATE TRIGGER outbox_2_mark_writer BEFORE INSERT ON outbox_2")
                .contains("UPDATE outbox_2_writers SET")
                .doesNotContain("outbox_writers")
                .doesNotContain(" outbox ");
    }
}
