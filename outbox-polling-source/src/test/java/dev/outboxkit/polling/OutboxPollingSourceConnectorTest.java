package dev.outboxkit.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.junit.jupiter.api.Test;

import dev.outboxkit.polling.db.TableName;

class OutboxPollingSourceConnectorTest {

    private static List<TableName> tables(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> TableName.parse("shop.outbox_" + i))
                .toList();
    }

    @Test
    void everyTableGoesToExactlyOneTask() {
        for (int tables = 1; tables <= 12; tables++) {
            for (int maxTasks = 1; maxTasks <= 8; maxTasks++) {
                List<List<TableName>> groups = OutboxPollingSourceConnector.assign(tables(tables), maxTasks);
                assertThat(groups).hasSize(Math.min(tables, maxTasks));
                Set<TableName> seen = new HashSet<>();
                groups.forEach(group -> group.forEach(table ->
                        assertThat(seen.add(table)).as("%s twice", table).isTrue()));
                assertThat(seen).containsExactlyInAnyOrderElementsOf(tables(tables));
            }
        }
    }

    @Test
    void taskConfigsCarryTheirTables() {
        OutboxPollingSourceConnector connector = new OutboxPollingSourceConnector();
        connector.start(Map.of(
                PollingConfig.CONNECTION_URL,
                "jdbc:mariadb://db/shop",
                PollingConfig.TABLES,
                "outbox_1,outbox_2,outbox_3",
                "name",
                "polling"));
        List<Map<String, String>> configs = connector.taskConfigs(2);
        assertThat(configs)
                .extracting(c -> c.get(PollingConfig.TASK_TABLES))
                .containsExactly("outbox_1,outbox_3", "outbox_2");
    }

    @Test
    void supportsExactlyOnceWithWorkerDefinedBoundaries() {
        OutboxPollingSourceConnector connector = new OutboxPollingSourceConnector();
        assertThat(connector.exactlyOnceSupport(Map.of())).isEqualTo(ExactlyOnceSupport.SUPPORTED);
        assertThat(connector.canDefineTransactionBoundaries(Map.of()))
                .isEqualTo(ConnectorTransactionBoundaries.UNSUPPORTED);
    }

    @Test
    void versionComesFromTheFilteredResource() {
        assertThat(new OutboxPollingSourceConnector().version()).matches("\\d+\\.\\d+\\.\\d+.*");
    }
}
