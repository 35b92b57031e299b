package teefs.mirror.apply;

/**
 * A record path resolved inside TARGET by {@link PathGuard}: an O_PATH descriptor of its parent directory, reached
 * without following any symlink, and the final component, which callers must never follow either (use
 * AT_SYMLINK_NOFOLLOW / O_NOFOLLOW on {@code dirfd() + name()}).
 *
 * <p>The descriptor belongs to the guard, which keeps it open for later walks; {@link #close()} only lets go of it.
 * Reusable and not thread-safe: one per engine, {@link #close()} after each use.
 */
public final class ResolvedPath implements AutoCloseable {
    private String path;
    private int dirfd = -1;
    private String name;

    void set(String path, int dirfd, String name) {
        this.path = path;
        this.dirfd = dirfd;
        this.name = name;
    }

    /** The record path as received. */
    public String path() {
        return path;
    }

    /** Descriptor (O_PATH) of the parent directory. */
    public int dirfd() {
        return dirfd;
    }

    /** The final component; "." when the path is TARGET itself. */
    public String name() {
        return name;
    }

    public boolean isRoot() {
        return ".".equals(name);
    }

    /**
     * A path naming the entry through /proc, for calls that have no *at() variant (l*xattr): the kernel follows
     * only the descriptor's magic link, then looks the final component up in that directory.
     */
    public String procPath() {
        return "/proc/self/fd/" + dirfd + "/" + name;
    }

    @Override
    public void close() {
        dirfd = -1;
    }
}
