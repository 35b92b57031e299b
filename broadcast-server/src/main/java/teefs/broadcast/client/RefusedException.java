package teefs.broadcast.client;

import teefs.protocol.control.ErrorCode;

/**
 * The server refused the client, with a typed reason: {@link ErrorCode#INDEX_NOT_RETAINED} means the mirror must
 * bootstrap; {@link ErrorCode#UNKNOWN_QUEUE_ID} that its saved index belongs to another queue;
 * {@link ErrorCode#BAD_CREDENTIAL}, {@link ErrorCode#PROTOCOL_VERSION_MISMATCH} and
 * {@link ErrorCode#CERTIFICATE_NAME_MISMATCH} (the client certificate names another client, or none) are
 * configuration problems; {@link ErrorCode#NAME_IN_USE} (the name is connected from another address) passes once
 * that connection ends or the server drops it as dead.
 */
public final class RefusedException extends BroadcastClientException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final long firstIndex;
    private final long headIndex;

    public RefusedException(String address, ErrorCode code, String message, long firstIndex, long headIndex) {
        super(address + " refused: " + code + ": " + message);
        this.code = code;
        this.firstIndex = firstIndex;
        this.headIndex = headIndex;
    }

    public ErrorCode code() {
        return code;
    }

    /** The oldest index the server retains (-1 when empty), to plan a bootstrap. */
    public long firstIndex() {
        return firstIndex;
    }

    public long headIndex() {
        return headIndex;
    }

    /** True when the only way forward is a bootstrap (copy the tree, then stream from the head). */
    public boolean mustBootstrap() {
        return code == ErrorCode.INDEX_NOT_RETAINED || code == ErrorCode.UNKNOWN_QUEUE_ID;
    }
}
