package dev.outboxkit.quickstart.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** --jdbc-url as users write it; the pipeline runs against real servers in LocalPipelineExternalDatabaseIT. */
class ExternalDatabaseTest {

    @Test
    void aMysqlUrlIsGivenToTheShippedMariaDbDriverWithItsOptions() {
        ExternalDatabase db = new ExternalDatabase(
                "jdbc:mysql://db.example:3307/shop?sslMode=disable&connectTimeout=5000", "app", "secret");
        assertThat(db.jdbcUrl("shop"))
                .isEqualTo("jdbc:mariadb://db.example:3307/shop?sslMode=disable&connectTimeout=5000");
        assertThat(db.database()).isEqualTo("shop");
        assertThat(db.host()).isEqualTo("db.example");
        assertThat(db.port()).isEqualTo(3307);
        assertThat(db.isPostgres()).isFalse();
    }

    @Test
    void defaultPortsAndOtherSchemesStayAsWritten() {
        ExternalDatabase mysql = new ExternalDatabase("jdbc:mysql://localhost/shop", "u", "");
        assertThat(mysql.port()).isEqualTo(3306);
        assertThat(mysql.jdbcUrl("mysql")).isEqualTo("jdbc:mariadb://localhost:3306/mysql");
        ExternalDatabase postgres = new ExternalDatabase("jdbc:postgresql://pg:6543/shop?sslmode=require", "u", "");
        assertThat(postgres.isPostgres()).isTrue();
        assertThat(postgres.jdbcUrl("postgres")).isEqualTo("jdbc:postgresql://pg:6543/postgres?sslmode=require");
        assertThat(new ExternalDatabase("jdbc:postgresql://pg/shop", "u", "").port())
                .isEqualTo(5432);
        assertThat(new ExternalDatabase("jdbc:mariadb://m:3310/shop", "u", "").jdbcUrl("shop"))
                .isEqualTo("jdbc:mariadb://m:3310/shop");
    }

    @Test
    void urlsThatCannotWorkAreRefusedWithTheFormToUse() {
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:oracle:thin:@h:1521/x", "u", ""))
                .hasMessageContaining("must start with jdbc:mysql://, jdbc:mariadb:// or jdbc:postgresql://");
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:mysql://localhost:3306", "u", ""))
                .hasMessageContaining("must name the database, e.g. jdbc:mysql://localhost:3306/shop");
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:mysql:///shop", "u", ""))
                .hasMessageContaining("must name the host");
    }
}
