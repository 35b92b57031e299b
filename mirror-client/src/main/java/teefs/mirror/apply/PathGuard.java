package teefs.mirror.apply;

import java.nio.file.Path;

import teefs.posix.Posix;
import teefs.posix.Stat;

/**
 * Keeps every record path inside TARGET (DESIGN invariant 4, confinement).
 *
 * <p>A record path is trusted only when it is relative, has no empty, "." or ".." component, no NUL byte, no
 * component over {@value #MAX_NAME} bytes and is at most {@value #MAX_PATH} bytes long. It is then resolved from a
 * descriptor of TARGET one component at a time with {@code openat(O_PATH|O_DIRECTORY|O_NOFOLLOW)}, so no symlink is
 * ever followed on the way; the final component is left to the caller, who must not follow it either. The mirror is
 * the only writer inside TARGET, so the walk cannot be raced.
 *
 * <p>The directories walked to are kept open ({@link DirectoryCache}), and a walk starts from the deepest one kept
 * on its path: a walk was about nine openat and close pairs per small file. What a kept directory path names changes
 * only by a rename or a removal at or above it (no walk goes through a symlink, and nothing but the engine writes in
 * TARGET), so the engine calls {@link #forget} right after those, and {@link #forgetDirectories} after anything it
 * did not do itself (a bootstrap repair's copy).
 *
 * <p>Not thread-safe: owned by one apply engine.
 */
public final class PathGuard implements AutoCloseable {
    public static final int MAX_NAME = 255;
    public static final int MAX_PATH = 4095;
    private static final int DIR_FLAGS = Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC;

    /** What a walk found. */
    public enum Walk {
        /** Every intermediate component is a directory: the parent is open. */
        RESOLVED,
        /** An intermediate component is missing or is not a directory: there is nothing to act on. */
        ABSENT
    }

    private final Path target;
    private final int rootFd;
    private final long rootDev;
    private final long rootIno;
    private final Stat stat = new Stat();
    private final DirectoryCache directories = new DirectoryCache();
    /** Set by {@link #forgetDirectories}: the kept descriptors are closed at the next walk, when nothing uses them. */
    private boolean forgetAll;

    private PathGuard(Path target, int rootFd, long rootDev, long rootIno) {
        this.target = target;
        this.rootFd = rootFd;
        this.rootDev = rootDev;
        this.rootIno = rootIno;
    }

    /**
     * Opens TARGET (which must be an existing directory; a symlink given here, by the operator, is followed).
     *
     * @throws TargetUnavailableException when it is missing or not a directory
     */
    public static PathGuard open(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        int fd = Posix.LIBC.open(abs.toString(), Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Posix.errno();
            throw new TargetUnavailableException(abs.toString(), "cannot open the target directory: "
                    + Posix.strerror(errno) + "; create it (or mount the drive) first", errno);
        }
        Stat s = new Stat();
        if (s.fstatat(fd, "", Posix.AT_EMPTY_PATH) != 0) {
            int errno = Posix.errno();
            Posix.LIBC.close(fd);
            throw new TargetUnavailableException(abs.toString(), "cannot stat the target directory", errno);
        }
        return new PathGuard(abs, fd, s.dev(), s.ino());
    }

    public Path target() {
        return target;
    }

    /** The O_PATH descriptor of TARGET. */
    public int rootFd() {
        return rootFd;
    }

    /**
     * Why {@code path} is not a trustworthy record path, or null when it is.
     *
     * @param rootAllowed whether the empty path (TARGET itself) is acceptable for this operation
     */
    public static String refusal(String path, boolean rootAllowed) {
        if (path == null) {
            return "missing path";
        }
        if (path.isEmpty()) {
            return rootAllowed ? null : "the empty path (TARGET itself) cannot be created, removed or renamed";
        }
        if (path.charAt(0) == '/') {
            return "absolute path";
        }
        int total = 0;
        int componentBytes = 0;
        int componentStart = 0;
        for (int i = 0; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            if (c == '/') {
                int len = i - componentStart;
                if (len == 0) {
                    return "empty path component (a '//' or a trailing '/')";
                }
                if (len == 1 && path.charAt(componentStart) == '.') {
                    return "'.' path component";
                }
                if (len == 2 && path.charAt(componentStart) == '.' && path.charAt(componentStart + 1) == '.') {
                    return "'..' path component: it would leave the directory";
                }
                if (componentBytes > MAX_NAME) {
                    return "path component of " + componentBytes + " bytes (the limit is " + MAX_NAME + ")";
                }
                total += componentBytes + (i < path.length() ? 1 : 0);
                componentBytes = 0;
                componentStart = i + 1;
                continue;
            }
            if (c == 0) {
                return "NUL byte in path";
            }
            componentBytes += utf8Length(path, i);
            if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                i++;
            }
        }
        if (total > MAX_PATH) {
            return "path of " + total + " bytes (the limit is " + MAX_PATH + ")";
        }
        return null;
    }

    private static int utf8Length(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            return 4;
        }
        return 3;
    }

    /** Throws {@link ApplyException} when {@code path} is not a trustworthy record path. */
    public static void check(String path, boolean rootAllowed) {
        String why = refusal(path, rootAllowed);
        if (why != null) {
            throw new ApplyException(path, "refused " + why + ": record paths must stay inside TARGET", 0);
        }
    }

    /**
     * Checks {@code path} and opens its parent directory into {@code out}, following no symlink.
     *
     * @return {@link Walk#ABSENT} when an intermediate component does not exist or is a plain file (a state a
     *     later record changed; the caller treats the operation as already overtaken)
     * @throws ApplyException when the path is untrustworthy or an intermediate component is a symlink
     */
    public Walk resolve(String path, boolean rootAllowed, ResolvedPath out) {
        check(path, rootAllowed);
        if (forgetAll) {
            directories.clear();
            forgetAll = false;
        } else {
            directories.trim();
        }
        if (path.isEmpty()) {
            out.set(path, rootFd, ".");
            return Walk.RESOLVED;
        }
        // start below the deepest directory kept on the path
        int dirfd = rootFd;
        int start = 0;
        for (int end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
            int kept = directories.get(path.substring(0, end));
            if (kept >= 0) {
                dirfd = kept;
                start = end + 1;
                break;
            }
        }
        int slash;
        while ((slash = path.indexOf('/', start)) >= 0) {
            String component = path.substring(start, slash);
            int next = Posix.LIBC.openat(dirfd, component, DIR_FLAGS, 0);
            if (next < 0) {
                return classifyFailure(dirfd, component, path, Posix.errno());
            }
            directories.put(path.substring(0, slash), next);
            dirfd = next;
            start = slash + 1;
        }
        out.set(path, dirfd, path.substring(start));
        return Walk.RESOLVED;
    }

    /**
     * {@code path} was renamed, exchanged or removed: the directories kept at and under it are closed now (call it
     * once the operation is done with its resolved paths).
     */
    public void forget(String path) {
        directories.forget(path);
    }

    /**
     * Anything in TARGET may have changed (a bootstrap repair's copy, a failed operation): the next walk starts from
     * TARGET again. The descriptors are closed then, as the current operation may still use them.
     */
    public void forgetDirectories() {
        forgetAll = true;
    }

    private Walk classifyFailure(int dirfd, String component, String path, int errno) {
        if (errno == Posix.ENOENT) {
            checkAlive(path);
            return Walk.ABSENT;
        }
        if (errno == Posix.ENOTDIR || errno == Posix.ELOOP) {
            if (stat.fstatat(dirfd, component, Posix.AT_SYMLINK_NOFOLLOW) == 0 && stat.isSymlink()) {
                throw new ApplyException(path, "refused: component '" + component
                        + "' is a symlink in TARGET; the mirror never walks through symlinks", errno);
            }
            return Walk.ABSENT;
        }
        throw ApplyException.fromErrno(path, "openat of directory '" + component + "'", errno);
    }

    /**
     * Throws {@link TargetUnavailableException} when TARGET was removed, or its path now names another directory
     * (the drive was unmounted or replaced): every ENOENT is checked against this before it is taken as a no-op.
     */
    public void checkAlive(String path) {
        boolean alive = stat.fstatat(rootFd, "", Posix.AT_EMPTY_PATH) == 0 && stat.nlink() > 0;
        if (alive) {
            alive = stat.fstatat(Posix.AT_FDCWD, target.toString(), 0) == 0
                    && stat.dev() == rootDev && stat.ino() == rootIno;
        }
        if (!alive) {
            throw new TargetUnavailableException(path, "the target directory " + target
                    + " vanished or was replaced (unmounted drive?); remount it, then resume", Posix.ENOENT);
        }
    }

    @Override
    public void close() {
        directories.close();
        Posix.LIBC.close(rootFd);
    }
}
