package dev.outboxkit.benchmarks;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads a connector from a directory of jars the way a Connect worker does: child first for everything but
 * Kafka, Java and slf4j, so a plugin brings its own driver version.
 */
final class IsolatedPlugin extends URLClassLoader {

    private IsolatedPlugin(URL[] urls, ClassLoader parent) {
        super(urls, parent);
    }

    static IsolatedPlugin fromDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalStateException("Plugin directory " + directory + " is missing: build the benchmarks with"
                    + " './mvnw -pl testing/benchmarks -am package -DskipTests' from the repository root");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path jar : (Iterable<Path>)
                    files.filter(f -> f.toString().endsWith(".jar")).sorted()::iterator) {
                jars.add(jar.toUri().toURL());
            }
        }
        return new IsolatedPlugin(jars.toArray(new URL[0]), IsolatedPlugin.class.getClassLoader());
    }

    static Path defaultDirectory(String name) {
        String base = System.getProperty(
                "outboxkit.bench.plugins",
                "testing" + File.separator + "benchmarks" + File.separator + "target" + File.separator + "plugins");
        return Path.of(base, name);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("java.")
                || name.startsWith("javax.")
                || name.startsWith("org.apache.kafka.")
                || name.startsWith("org.slf4j.")) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    loaded = findClass(name);
                } catch (ClassNotFoundException e) {
                    return super.loadClass(name, resolve);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }
}
