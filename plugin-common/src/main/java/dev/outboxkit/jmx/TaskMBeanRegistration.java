package dev.outboxkit.jmx;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A task's metrics MBean in the platform MBean server. Connect may start a task's successor in the same worker before
 * the old instance has stopped: the successor takes the name over, and the old instance's {@link #unregister} then
 * leaves it alone, so a restart never leaves the task without its metrics.
 */
public final class TaskMBeanRegistration {

    /** Which instance holds each name this plugin registered (one map per plugin class loader). */
    private static final Map<ObjectName, Object> HOLDERS = new HashMap<>();

    private final Object mbean;
    private ObjectName registeredAs;

    public TaskMBeanRegistration(Object mbean) {
        this.mbean = mbean;
    }

    /**
     * Registers the MBean under the name, replacing whatever holds it.
     *
     * @throws JMException when the server refuses the MBean or the name; the caller decides how loud to be
     */
    public void register(ObjectName name) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        synchronized (HOLDERS) {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(mbean, name);
            HOLDERS.put(name, mbean);
            registeredAs = name;
        }
    }

    /** Unregisters the MBean, unless a newer instance has taken its name meanwhile. */
    public void unregister() {
        synchronized (HOLDERS) {
            ObjectName name = registeredAs;
            registeredAs = null;
            if (name == null || HOLDERS.get(name) != mbean) {
                return;
            }
            HOLDERS.remove(name);
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException alreadyGone) {
                // Someone else (a JMX client, a test) removed it: the name is free, which is all this wants.
            }
        }
    }

    /** The name the MBean is registered under, or null when it is not. */
    public ObjectName registeredAs() {
        synchronized (HOLDERS) {
            return registeredAs;
        }
    }
}
