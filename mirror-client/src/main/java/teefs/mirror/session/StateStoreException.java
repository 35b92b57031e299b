package teefs.mirror.session;

/** The mirror's state file cannot be read or written; the message names the file and the fix. */
public final class StateStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
