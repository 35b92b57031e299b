package teefs.journal;

/** The mount could not be started or stopped; the message names the path and the fix. */
public final class MountException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MountException(String message) {
        super(message);
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
    }
}
