package dev.outboxkit.jmx;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

class TaskMBeanRegistrationTest {

    public interface CounterMBean {
        long getCount();
    }

    public static final class Counter implements CounterMBean {
        private final long count;

        Counter(long count) {
            this.count = count;
        }

        @Override
        public long getCount() {
            return count;
        }
    }

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void aSuccessorTakesTheNameOverAndTheStoppingTaskLeavesItAlone() throws Exception {
        ObjectName name = new ObjectName("dev.outboxkit.test:type=registration,task=0");
        TaskMBeanRegistration stopping = new TaskMBeanRegistration(new Counter(1));
        TaskMBeanRegistration successor = new TaskMBeanRegistration(new Counter(2));

        stopping.register(name);
        successor.register(name);
        stopping.unregister();

        assertThat(server.getAttribute(name, "Count")).isEqualTo(2L);
        assertThat(stopping.registeredAs()).isNull();
        assertThat(successor.registeredAs()).isEqualTo(name);
        successor.unregister();
        assertThat(server.isRegistered(name)).isFalse();
    }

    @Test
    void unregisteringTwiceOrAfterSomeoneElseRemovedTheMBeanIsHarmless() throws Exception {
        ObjectName name = new ObjectName("dev.outboxkit.test:type=registration,task=1");
        TaskMBeanRegistration registration = new TaskMBeanRegistration(new Counter(5));
        registration.register(name);
        server.unregisterMBean(name);

        registration.unregister();
        registration.unregister();

        assertThat(server.isRegistered(name)).isFalse();
        assertThat(registration.registeredAs()).isNull();
    }
}
