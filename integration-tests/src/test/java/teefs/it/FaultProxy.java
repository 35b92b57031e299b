package teefs.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy between a mirror and the broadcaster that a test can break: {@link #drop()} closes every connection
 * (both ends see a reset or EOF), {@link #blackhole(boolean)} keeps connections open but stops moving bytes (and
 * accepts new connections without forwarding), as a dead link or a silent firewall would. Counts the faults.
 */
final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean blackhole;
    private volatile boolean closed;

    FaultProxy(int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fault-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Socket up = new Socket();
                try {
                    up.connect(upstream, 2000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                sockets.add(up);
                pump(client, up);
                pump(up, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    while (blackhole && !from.isClosed()) {
                        Thread.sleep(20); // bytes stop here; the connection stays up
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // a dropped connection
            } finally {
                close(from);
                close(to);
            }
        }, "fault-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Closes every open connection now; new ones are accepted (the link comes back at once). */
    void drop() {
        for (Socket s : sockets) {
            close(s);
        }
        sockets.clear();
    }

    void blackhole(boolean on) {
        blackhole = on;
    }

    private static void close(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, like a cut link seen by a stateful firewall
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        drop();
    }
}
