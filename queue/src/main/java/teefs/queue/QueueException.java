package teefs.queue;

/** A journal queue could not be opened, read or appended to. The message names the queue and the fix. */
public class QueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueException(String message) {
        super(message);
    }

    public QueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
