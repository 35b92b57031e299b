package teefs.mirror.session;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import teefs.protocol.RecordHeader;

/**
 * Hands records from the connection's event loop (producer) to the mirror thread that owns the apply engine
 * (consumer), through a bounded ring buffer: each record is copied once, with its index in front.
 *
 * <p>When the ring is full the producer waits (in short parks) until the consumer makes room or the handoff is
 * closed: the event loop then stops reading the socket, and TCP backpressure reaches the server. The consumer parks
 * when the ring is empty and the producer unparks it, so a record waits microseconds, not a polling interval.
 *
 * <p>Threads: {@link #offer} from one producer thread at a time; {@link #drain}, {@link #awaitWork} from the consumer
 * thread given at construction; {@link #close}, {@link #reopen} from the consumer; {@link #connectionClosed} from any.
 */
final class RecordHandoff {
    /** Enough for the largest record (the ring takes messages up to an eighth of its capacity). */
    static final int DEFAULT_CAPACITY = 16 << 20;
    private static final int MSG_TYPE = 1;
    private static final long FULL_PARK_NANOS = 50_000;

    private final RingBuffer ring;
    private final Thread consumer;
    private volatile boolean consumerParked;
    private volatile boolean closed;
    private volatile Throwable closeCause;

    RecordHandoff(int capacity, Thread consumer) {
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        if (ring.maxMsgLength() < RecordHeader.MAX_FRAME_LENGTH + Long.BYTES) {
            throw new IllegalArgumentException("handoff capacity " + capacity + " cannot hold the largest record");
        }
        this.consumer = consumer;
    }

    /**
     * Producer: copies one record in, waiting while the ring is full.
     *
     * @return false when the handoff was closed (the session is over: drop the connection)
     */
    boolean offer(long index, DirectBuffer buffer, int offset, int length) {
        int claimed;
        while ((claimed = ring.tryClaim(MSG_TYPE, Long.BYTES + length)) < 0) {
            if (closed) {
                return false;
            }
            LockSupport.unpark(consumer);
            LockSupport.parkNanos(this, FULL_PARK_NANOS);
        }
        if (closed) {
            ring.abort(claimed);
            return false;
        }
        var b = ring.buffer();
        b.putLong(claimed, index);
        b.putBytes(claimed + Long.BYTES, buffer, offset, length);
        ring.commit(claimed);
        // the commit is a release store, which a later load may pass: without the fence, this thread could read
        // consumerParked false while the consumer, having set it, reads an empty ring, and the record would wait out
        // the consumer's whole park (up to 200 ms)
        VarHandle.fullFence();
        if (consumerParked) {
            LockSupport.unpark(consumer);
        }
        return true;
    }

    /** Any thread: the connection ended; the consumer sees it once the ring is drained. */
    void connectionClosed(Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        LockSupport.unpark(consumer);
    }

    /** Why the connection ended, or null while it is up. */
    Throwable closeCause() {
        return closeCause;
    }

    /** Consumer: hands up to {@code limit} records to {@code handler} as (index, buffer, offset, length). */
    int drain(RecordSink sink, int limit) {
        return ring.read(handler(sink), limit);
    }

    private RecordSink current;
    private final MessageHandler adapter = (type, buffer, offset, length) ->
            current.accept(buffer.getLong(offset), buffer, offset + Long.BYTES, length - Long.BYTES);

    private MessageHandler handler(RecordSink sink) {
        current = sink;
        return adapter;
    }

    boolean isEmpty() {
        return ring.size() == 0;
    }

    /** Consumer: parks up to {@code nanos} unless a record or a close is already there. */
    void awaitWork(long nanos) {
        consumerParked = true;
        if (ring.size() == 0 && closeCause == null && !closed) {
            LockSupport.parkNanos(this, nanos);
        }
        consumerParked = false;
    }

    /** Consumer: ends the session; a waiting producer returns false. */
    void close() {
        closed = true;
    }

    /** Consumer: empties the ring for a new connection. */
    void reopen() {
        while (ring.read((t, b, o, l) -> { }, Integer.MAX_VALUE) > 0) {
            // discard what the last connection left
        }
        closeCause = null;
        closed = false;
    }

    /** One record out of the handoff. */
    @FunctionalInterface
    interface RecordSink {
        void accept(long index, DirectBuffer buffer, int offset, int length);
    }
}
