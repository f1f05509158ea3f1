package dev.outboxkit.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback between a client and a server (MongoDB, a source database) that a test or the chaos
 * schedule can {@link #cut()} (every connection dropped, new ones refused), {@link #blackhole()} (connections
 * accepted and kept, but nothing passes in either direction and nothing is reset: clients hang until their own
 * timeouts), or {@link #slow(int)} (every chunk delayed), and then {@link #heal()}. The server keeps its data, which
 * stopping an in-JVM MongoDB would not.
 */
public final class TcpProxy implements AutoCloseable {

    private enum Mode {
        NORMAL,
        CUT,
        BLACKHOLE,
        SLOW
    }

    private final String name;
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.NORMAL;
    private volatile int delayMs;
    private volatile ServerSocket listener;
    private volatile Thread acceptor;
    private volatile boolean closed;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this("proxy", targetHost, targetPort);
    }

    public TcpProxy(String name, String targetHost, int targetPort) throws IOException {
        this.name = name;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        ServerSocket first = new ServerSocket();
        first.setReuseAddress(true);
        first.bind(new InetSocketAddress("127.0.0.1", 0));
        this.port = first.getLocalPort();
        listen(first);
    }

    public int port() {
        return port;
    }

    public synchronized void cut() throws IOException {
        mode = Mode.CUT;
        ServerSocket current = listener;
        listener = null;
        if (current != null) {
            current.close();
            // While a thread is blocked in accept(), the JDK defers the real close until that thread returns: until
            // then the port still completes handshakes. Wait for it, so that "cut" means refused from here on.
            try {
                acceptor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }

    public synchronized void blackhole() throws IOException {
        ensureListening();
        mode = Mode.BLACKHOLE;
    }

    public synchronized void slow(int chunkDelayMs) throws IOException {
        ensureListening();
        delayMs = chunkDelayMs;
        mode = Mode.SLOW;
    }

    /** Back to normal: listening, and passing everything at once (data held by a blackhole goes through now). */
    public synchronized void heal() throws IOException {
        ensureListening();
        mode = Mode.NORMAL;
    }

    private void ensureListening() throws IOException {
        if (listener != null) {
            return;
        }
        ServerSocket next = new ServerSocket();
        next.setReuseAddress(true);
        next.bind(new InetSocketAddress("127.0.0.1", port));
        listen(next);
    }

    private void listen(ServerSocket socket) {
        listener = socket;
        Thread thread = new Thread(() -> acceptLoop(socket), "proxy-" + name + "-accept");
        thread.setDaemon(true);
        acceptor = thread;
        thread.start();
    }

    private void acceptLoop(ServerSocket socket) {
        while (!closed && !socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Socket server;
                try {
                    server = new Socket(targetHost, targetPort);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                // Forward each chunk at once, as the endpoints asked (drivers set TCP_NODELAY): with Nagle's algorithm
                // on the proxy's own sockets, a small reply waits for the ACK of the last one, up to 40 ms.
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[32 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int read;
                        while ((read = in.read(buffer)) >= 0) {
                            while (mode == Mode.BLACKHOLE && !from.isClosed()) {
                                Thread.sleep(50);
                            }
                            if (mode == Mode.SLOW) {
                                Thread.sleep(delayMs);
                            }
                            out.write(buffer, 0, read);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // Cut or closed: end both directions.
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                        open.remove(to);
                    }
                },
                "proxy-" + name + "-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        cut();
    }
}
