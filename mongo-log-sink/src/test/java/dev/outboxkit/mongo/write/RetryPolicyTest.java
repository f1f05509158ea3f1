package dev.outboxkit.mongo.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/** Back-off across one outage, the server's retry hint, and the timeout that stops the task. */
class RetryPolicyTest {

    @Test
    void backsOffExponentiallyUpToTheMaximum() {
        RetryPolicy policy = new RetryPolicy(100, 400, -1);
        assertThat(policy.onFailure(0, "x")).isEqualTo(100);
        assertThat(policy.onFailure(100, "x")).isEqualTo(200);
        assertThat(policy.onFailure(300, "x")).isEqualTo(400);
        assertThat(policy.onFailure(700, "x")).isEqualTo(400);
    }

    @Test
    void waitsAtLeastAsLongAsTheServerAskedButNeverPastTheTimeout() {
        RetryPolicy policy = new RetryPolicy(100, 400, 10_000);
        assertThat(policy.onFailure(0, "throttled", 1_500))
                .as("the server's RetryAfterMs wins over a shorter back-off")
                .isEqualTo(1_500);
        assertThat(policy.onFailure(1_500, "throttled", 20))
                .as("a shorter hint does not shorten the back-off")
                .isEqualTo(200);
        assertThat(policy.onFailure(9_000, "throttled", 5_000))
                .as("never past retry.timeout.ms")
                .isEqualTo(1_000);
    }

    @Test
    void stopsWithTheLastReasonAfterTheTimeoutAndASuccessStartsAFreshOutage() {
        RetryPolicy policy = new RetryPolicy(100, 400, 1_000);
        policy.onFailure(0, "first");
        assertThatThrownBy(() -> policy.onFailure(1_000, "write error code 16500 on collection c"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("retry.timeout.ms=1000")
                .hasMessageContaining("last failure: write error code 16500");
        RetryPolicy recovering = new RetryPolicy(100, 400, 1_000);
        recovering.onFailure(0, "first");
        recovering.onSuccess();
        assertThat(recovering.onFailure(5_000, "again")).isEqualTo(100);
    }
}
