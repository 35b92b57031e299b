package teefs.mirror.apply;

/**
 * A record the mirror cannot trust or cannot apply. It names the record (queue index and type), the path, the reason
 * and, where libc gave one, the errno. The mirror stops on it: a record is never skipped.
 *
 * <p>{@link TargetUnavailableException} is the subtype for a target that is full or gone, where pausing and retrying
 * the same record later is the right reaction.
 */
public class ApplyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Index not known yet (thrown below the engine, which adds it). */
    public static final long NO_INDEX = -1;

    private final long index;
    private final String type;
    private final String path;
    private final String reason;
    private final int errno;

    public ApplyException(long index, String type, String path, String reason, int errno, Throwable cause) {
        super(describe(index, type, path, reason), cause);
        this.index = index;
        this.type = type;
        this.path = path;
        this.reason = reason;
        this.errno = errno;
    }

    /** Thrown below the engine, which knows the record: {@link #at} adds it. */
    public ApplyException(String path, String reason, int errno) {
        this(NO_INDEX, null, path, reason, errno, null);
    }

    /**
     * The failure of libc call {@code operation} with {@code errno} on {@code path}: a {@link TargetUnavailableException}
     * when the target is full, read-only or failing, else a plain ApplyException.
     */
    public static ApplyException fromErrno(String path, String operation, int errno) {
        String reason = operation + " failed: " + teefs.posix.Posix.strerror(errno) + " (errno " + errno + ")";
        switch (errno) {
            case teefs.posix.Posix.ENOSPC:
            case teefs.posix.Posix.EDQUOT:
                return new TargetUnavailableException(path, reason + "; free space on the target, then resume", errno);
            case teefs.posix.Posix.EROFS:
            case teefs.posix.Posix.EIO:
                return new TargetUnavailableException(path, reason + "; check the target drive, then resume", errno);
            default:
                return new ApplyException(path, reason + "; the target differs from what the journal expects: "
                        + "check it with 'teefs verify' and re-bootstrap the mirror if needed", errno);
        }
    }

    private static String describe(long index, String type, String path, String reason) {
        if (index == NO_INDEX && type == null) {
            // about TARGET itself (gone, replaced, failing), not one record: no "cannot apply record" before it
            return path == null ? reason : "'" + path + "': " + reason;
        }
        StringBuilder b = new StringBuilder("cannot apply record");
        if (index != NO_INDEX) {
            b.append(" #").append(index);
        }
        if (type != null) {
            b.append(' ').append(type);
        }
        if (path != null) {
            b.append(" on '").append(path).append('\'');
        }
        return b.append(": ").append(reason).toString();
    }

    /** The same failure, located at record {@code index} of type {@code type}. */
    public ApplyException at(long index, String type) {
        return new ApplyException(index, type, path, reason, errno, this);
    }

    public long index() {
        return index;
    }

    /** The record type's name, or null when not known. */
    public String type() {
        return type;
    }

    /** The record path concerned (as received, possibly hostile), or null. */
    public String path() {
        return path;
    }

    public String reason() {
        return reason;
    }

    /** The errno libc reported, or 0 when the record itself was refused. */
    public int errno() {
        return errno;
    }
}
