package teefs.mirror.apply;

/**
 * The target cannot take the record right now: its filesystem is full (ENOSPC, EDQUOT), read-only, failing (EIO), or
 * the TARGET directory itself is gone (unmounted, deleted). Nothing is wrong with the record: pause, fix the target,
 * and apply the same record again (applying is idempotent).
 */
public final class TargetUnavailableException extends ApplyException {
    private static final long serialVersionUID = 1L;

    public TargetUnavailableException(long index, String type, String path, String reason, int errno,
                                      Throwable cause) {
        super(index, type, path, reason, errno, cause);
    }

    public TargetUnavailableException(String path, String reason, int errno) {
        this(NO_INDEX, null, path, reason, errno, null);
    }

    @Override
    public TargetUnavailableException at(long index, String type) {
        return new TargetUnavailableException(index, type, path(), reason(), errno(), this);
    }
}
