package teefs.broadcast.client;

import org.agrona.DirectBuffer;

/**
 * Receives the stream. Every method runs on the connection's event loop, one call at a time, records in queue
 * order: while {@link #onRecord} runs no more bytes are read, so a slow listener slows only its own stream (TCP
 * backpressure reaches the server, which parks that client's pump).
 */
public interface RecordListener {
    /**
     * One record, already validated (length, magic, CRC, fields) by the protocol {@code RecordDecoder}. The buffer
     * is valid only during the call: copy what must outlive it.
     */
    void onRecord(long index, DirectBuffer buffer, int offset, int length) throws Exception;

    /** The server's heartbeat: its head index now. */
    default void onHeartbeat(long headIndex) {
    }

    /** The connection ended: {@code cause} says why (a {@link RefusedException} when the server said so). */
    default void onClosed(Throwable cause) {
    }
}
