package teefs.broadcast.client;

/** The connection to a broadcast server failed or broke; the message names the address and what to check. */
public class BroadcastClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BroadcastClientException(String message) {
        super(message);
    }

    public BroadcastClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
