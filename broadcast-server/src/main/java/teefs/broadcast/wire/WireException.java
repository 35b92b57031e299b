package teefs.broadcast.wire;

import io.netty.handler.codec.DecoderException;

/** The peer sent bytes that break the protocol; the connection is closed and the reason logged. */
public final class WireException extends DecoderException {
    private static final long serialVersionUID = 1L;

    /** What exactly was wrong, for logs and tests. */
    public enum Reason { OVERSIZED_FRAME, EMPTY_FRAME, UNKNOWN_KIND, BAD_CONTROL_MESSAGE, UNEXPECTED_RECORDS, BAD_RECORDS }

    private final Reason reason;

    public WireException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public WireException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
