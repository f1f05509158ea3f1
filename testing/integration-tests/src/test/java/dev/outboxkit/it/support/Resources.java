package dev.outboxkit.it.support;

/** Closing what a test class started, in the order given, skipping what never started. */
public final class Resources {

    private Resources() {}

    /** Closes each non-null resource; the first failure is rethrown after all were tried. */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
