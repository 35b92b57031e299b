package teefs.broadcast.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;

import io.netty.channel.unix.DomainSocketAddress;

/**
 * Where to listen or connect: {@code unix:/path/to/socket} or {@code tcp://host:port}. Parsed once; the message of
 * a bad address says what a good one looks like.
 */
public record ListenAddress(Path unixPath, String host, int port) {
    public static ListenAddress parse(String text) {
        if (text.startsWith("unix:")) {
            String path = text.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (path.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' names no socket path: write unix:/run/teefs/teefs.sock");
            }
            return new ListenAddress(Path.of(path), null, 0);
        }
        if (text.startsWith("tcp://")) {
            try {
                URI uri = new URI(text);
                if (uri.getHost() == null || uri.getPort() < 0 || uri.getPort() > 65535) {
                    throw new URISyntaxException(text, "host and port required");
                }
                return new ListenAddress(null, uri.getHost(), uri.getPort());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + text + "' is not a TCP address: write tcp://HOST:PORT, "
                        + "e.g. tcp://127.0.0.1:7070 (IPv6: tcp://[::1]:7070)");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an address: write unix:/path/to/socket or tcp://HOST:PORT");
    }

    /**
     * Why a connection to this address failed, for a message: "no socket at PATH" when a Unix socket's file is
     * missing, else the first message in {@code cause}'s chain (Netty's connect errors may have none), else its type.
     */
    public String whyUnreachable(Throwable cause) {
        if (isUnix() && !java.nio.file.Files.exists(unixPath)) {
            return "there is no socket at " + unixPath;
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return cause == null ? "timed out" : cause.getClass().getSimpleName();
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    /** True for Unix sockets and for TCP addresses that resolve only to loopback. */
    public boolean isLocal() {
        if (isUnix()) {
            return true;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public SocketAddress socketAddress() {
        return isUnix() ? new DomainSocketAddress(unixPath.toFile()) : new InetSocketAddress(host, port);
    }

    /** The address with the port actually bound (for port 0). */
    public ListenAddress withPort(int boundPort) {
        return isUnix() ? this : new ListenAddress(null, host, boundPort);
    }

    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + unixPath;
        }
        return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
