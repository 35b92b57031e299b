package teefs.cli.up;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import teefs.cli.UserError;

/**
 * The Unix socket through which {@code teefs restart ROLE} reaches a running {@code teefs up}: one line in
 * ("restart broadcast", "restart mirror disk1", "status"), one reply out ("ok: ..." or "error: ..."), then close.
 * The socket file is created with the supervisor's umask in its data directory: whoever may write there may
 * restart roles. Its accept thread only relays lines to {@link Supervisor#submit}.
 */
final class ControlSocket implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;

    private ControlSocket(Path path, ServerSocketChannel server, Thread thread) {
        this.path = path;
        this.server = server;
        this.thread = thread;
    }

    static ControlSocket open(Path path, Supervisor supervisor) throws IOException {
        if (Files.exists(path)) {
            if (ping(path)) {
                throw new UserError("another 'teefs up' is running with control socket " + path
                        + "; stop it first (Ctrl-C there, or kill its pid)");
            }
            Files.delete(path);
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread t = new Thread(() -> serve(server, supervisor), "teefs-up-control");
        t.setDaemon(true);
        t.start();
        return new ControlSocket(path, server, t);
    }

    private static void serve(ServerSocketChannel server, Supervisor supervisor) {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                String line = readLine(c);
                String reply;
                try {
                    reply = supervisor.submit(line).get(5, TimeUnit.MINUTES);
                } catch (Exception e) {
                    reply = "error: " + e;
                }
                c.write(ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        while (buf.hasRemaining()) {
            int n = c.read(buf);
            if (n < 0) {
                break;
            }
            String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            if (s.indexOf('\n') >= 0) {
                return s.substring(0, s.indexOf('\n'));
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    /** Sends one command to the supervisor listening at {@code path} and returns its reply. */
    static String send(Path path, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (c.read(buf) >= 0 && buf.hasRemaining()) {
                // read until the supervisor closes
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).stripTrailing();
        }
    }

    private static boolean ping(Path path) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: a stale socket file is detected and replaced at the next start
        }
        thread.interrupt();
    }
}
