package teefs.queue;

/** The queue's filesystem has less free space than the configured reserve: appending now could fail half-way. */
public final class QueueFullException extends QueueException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }
}
