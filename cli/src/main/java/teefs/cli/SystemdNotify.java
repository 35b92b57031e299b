package teefs.cli;

import java.nio.charset.StandardCharsets;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;

/**
 * sd_notify(3) for a role run by a systemd unit of {@code Type=notify}: one datagram ("READY=1", "STOPPING=1",
 * "STATUS=...") to the Unix socket named by {@code $NOTIFY_SOCKET}, sent from this process (the unit's main process,
 * as {@code NotifyAccess=main} wants: bin/teefs execs java). Without the variable it does nothing, so the roles call
 * it unconditionally. Java has no Unix datagram sockets, hence the three libc calls.
 */
public final class SystemdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_MAX = 108;

    /** The libc calls it needs (not in teefs.posix.LibC: nothing else sends datagrams). */
    public interface Sockets {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] addr, int addrlen);

        int close(int fd);
    }

    private SystemdNotify() {
    }

    /** Tells systemd the role is ready (the mount is up, the socket listens); {@code status} shows in systemctl. */
    public static void ready(String status) {
        send("READY=1\nSTATUS=" + status.replace('\n', ' '));
    }

    /** Tells systemd the role is stopping (called from the shutdown hook). */
    public static void stopping() {
        send("STOPPING=1");
    }

    /** Sends {@code state} to $NOTIFY_SOCKET; returns false when there is none or it cannot be reached. */
    static boolean send(String state) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty() || !(socket.startsWith("/") || socket.startsWith("@"))) {
            return false;
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) {
            return false;
        }
        boolean isAbstract = path[0] == '@';
        // struct sockaddr_un: sa_family_t (2 bytes, native order: x86_64 is little-endian) + sun_path
        byte[] addr = new byte[2 + SUN_PATH_MAX];
        addr[0] = AF_UNIX;
        System.arraycopy(path, 0, addr, 2, path.length);
        if (isAbstract) {
            addr[2] = 0; // an abstract address starts with a NUL byte and is not NUL-terminated
        }
        int addrLen = 2 + path.length + (isAbstract ? 0 : 1);
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try {
            Sockets libc = Holder.LIBC;
            int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return false;
            }
            try {
                return libc.sendto(fd, message, message.length, MSG_NOSIGNAL, addr, addrLen) == message.length;
            } finally {
                libc.close(fd);
            }
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    private static final class Holder {
        static final Sockets LIBC = LibraryLoader.create(Sockets.class).load("c");
    }
}
