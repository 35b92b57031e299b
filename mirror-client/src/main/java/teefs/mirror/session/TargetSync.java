package teefs.mirror.session;

import java.nio.file.Path;

import teefs.mirror.apply.ApplyException;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.Posix;

/**
 * Makes everything written to TARGET's filesystem durable with {@code syncfs(2)} on a read-only descriptor of TARGET
 * (syncfs refuses O_PATH descriptors, so the engine's own cannot serve).
 *
 * <p>Not thread-safe: the mirror thread owns it.
 */
final class TargetSync implements AutoCloseable {
    private final Path target;
    private final int fd;

    TargetSync(Path target) {
        this.target = target.toAbsolutePath().normalize();
        this.fd = Posix.LIBC.open(this.target.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Posix.errno();
            throw new TargetUnavailableException(this.target.toString(), "cannot open the target directory to sync"
                    + " it: " + Posix.strerror(errno) + "; create it (or mount the drive) first", errno);
        }
    }

    /** Flushes TARGET's filesystem; a failure (EIO, ENOSPC on writeback) is a {@link TargetUnavailableException}. */
    void sync() {
        if (Posix.LIBC.syncfs(fd) != 0) {
            int errno = Posix.errno();
            ApplyException e = ApplyException.fromErrno(target.toString(), "syncfs", errno);
            throw e instanceof TargetUnavailableException t ? t
                    : new TargetUnavailableException(target.toString(), e.reason(), errno);
        }
    }

    @Override
    public void close() {
        Posix.LIBC.close(fd);
    }
}
