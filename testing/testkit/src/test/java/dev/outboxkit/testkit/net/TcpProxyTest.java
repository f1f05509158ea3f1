package dev.outboxkit.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's faults as a client sees them, against a one-byte echo server. */
class TcpProxyTest {

    private ServerSocket echo;
    private TcpProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0);
        Thread server = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket client = echo.accept();
                    Thread pump = new Thread(() -> {
                        try (client;
                                InputStream in = client.getInputStream();
                                OutputStream out = client.getOutputStream()) {
                            int b;
                            while ((b = in.read()) >= 0) {
                                out.write(b);
                                out.flush();
                            }
                        } catch (IOException e) {
                            // client gone
                        }
                    });
                    pump.setDaemon(true);
                    pump.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        server.setDaemon(true);
        server.start();
        proxy = new TcpProxy("test", "127.0.0.1", echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setSoTimeout(1_000);
        return socket;
    }

    private static int roundTrip(Socket socket, int value) throws IOException {
        socket.getOutputStream().write(value);
        socket.getOutputStream().flush();
        return socket.getInputStream().read();
    }

    @Test
    void passesDataThrough() throws IOException {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, 7)).isEqualTo(7);
        }
    }

    @Test
    void aCutDropsOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, 1)).isEqualTo(1);
            proxy.cut();
            assertThat(socket.getInputStream().read())
                    .as("the open connection is closed")
                    .isEqualTo(-1);
        }
        assertThatThrownBy(this::connect).isInstanceOf(IOException.class);
        proxy.heal();
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, 2)).isEqualTo(2);
        }
    }

    @Test
    void aBlackholeKeepsConnectionsOpenButSilentAndHealingDeliversWhatWasHeld() throws IOException {
        try (Socket socket = connect()) {
            proxy.blackhole();
            socket.getOutputStream().write(9);
            socket.getOutputStream().flush();
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            try (Socket newcomer = connect()) {
                assertThat(newcomer.isConnected())
                        .as("new connections are accepted, not refused")
                        .isTrue();
            }
            proxy.heal();
            assertThat(socket.getInputStream().read()).isEqualTo(9);
        }
    }

    @Test
    void slowDelaysEveryChunk() throws IOException {
        try (Socket socket = connect()) {
            proxy.slow(300);
            long started = System.nanoTime();
            assertThat(roundTrip(socket, 5)).isEqualTo(5);
            assertThat((System.nanoTime() - started) / 1_000_000)
                    .as("two delayed hops")
                    .isGreaterThanOrEqualTo(550);
        }
    }
}
