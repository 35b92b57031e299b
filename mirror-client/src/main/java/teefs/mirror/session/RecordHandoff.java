package teefs.mirror.session;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
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
 * (consumer), through a bounded ring buffer: each record is copied once, with its session and index in front.
 *
 * <p>Sessions: {@link #reopen} starts one and returns its number, which the session's connection passes with every
 * {@link #offer} and {@link #connectionClosed}. A record or a close from a connection of an earlier session is
 * dropped, whenever it comes: the consumer compares the number as it reads. Without that, a connection given up
 * without waiting for it (a welcome that came too late) could go on filling the ring after the mirror went back to
 * its saved position, and a record far ahead of that position would be applied before those in between.
 *
 * <p>When the ring is full the producer waits (in short parks) until the consumer makes room or the handoff is
 * closed: the event loop then stops reading the socket, and TCP backpressure reaches the server. The consumer parks
 * when the ring is empty and the producer unparks it, so a record waits microseconds, not a polling interval.
 *
 * <p>Threads: {@link #offer} from any producer thread (a late connection's event loop may offer while the current
 * one does: the ring takes many producers); {@link #drain}, {@link #awaitWork} from the consumer thread given at
 * construction; {@link #close}, {@link #reopen} from the consumer; {@link #connectionClosed} from any.
 */
final class RecordHandoff {
    /** Enough for the largest record (the ring takes messages up to an eighth of its capacity). */
    static final int DEFAULT_CAPACITY = 16 << 20;
    private static final int MSG_TYPE = 1;
    private static final long FULL_PARK_NANOS = 50_000;
    /** In front of each record: the session (int), 4 bytes of padding, the index (long). */
    private static final int SESSION_OFFSET = 0;
    private static final int INDEX_OFFSET = 8;
    private static final int PREFIX = 16;

    private final RingBuffer ring;
    private final Thread consumer;
    private volatile boolean consumerParked;
    private volatile boolean closed;
    /**
     * The end of a connection, with the session it ended: one reference, so a close that checked its session just
     * before {@link #reopen} cannot land in the session after it (a spurious reconnect).
     */
    private final AtomicReference<End> end = new AtomicReference<>();
    /** The current session; written by the consumer only. */
    private volatile int session;

    RecordHandoff(int capacity, Thread consumer) {
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        if (ring.maxMsgLength() < RecordHeader.MAX_FRAME_LENGTH + PREFIX) {
            throw new IllegalArgumentException("handoff capacity " + capacity + " cannot hold the largest record");
        }
        this.consumer = consumer;
    }

    /**
     * Producer: copies one record of session {@code from} in, waiting while the ring is full.
     *
     * @return false when that session is over (the handoff was closed or reopened): drop the connection
     */
    boolean offer(int from, long index, DirectBuffer buffer, int offset, int length) {
        int claimed;
        while ((claimed = ring.tryClaim(MSG_TYPE, PREFIX + length)) < 0) {
            if (over(from)) {
                return false;
            }
            LockSupport.unpark(consumer);
            LockSupport.parkNanos(this, FULL_PARK_NANOS);
        }
        if (over(from)) {
            ring.abort(claimed);
            return false;
        }
        var b = ring.buffer();
        b.putInt(claimed + SESSION_OFFSET, from);
        b.putLong(claimed + INDEX_OFFSET, index);
        b.putBytes(claimed + PREFIX, buffer, offset, length);
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

    private boolean over(int from) {
        return closed || from != session;
    }

    /** Any thread: the connection of session {@code from} ended; the consumer sees it once the ring is drained. */
    void connectionClosed(int from, Throwable cause) {
        Throwable why = cause != null ? cause : new IllegalStateException("the connection closed");
        End seen;
        do {
            seen = end.get();
            if (from != session || (seen != null && seen.session - from >= 0)) {
                return; // a connection of an earlier session (this one goes on), or this session's end is known
            }
        } while (!end.compareAndSet(seen, new End(from, why)));
        LockSupport.unpark(consumer);
    }

    /** Why the current session's connection ended, or null while it is up. */
    Throwable closeCause() {
        End e = end.get();
        return e != null && e.session == session ? e.cause : null;
    }

    private record End(int session, Throwable cause) {
    }

    /** Consumer: hands up to {@code limit} records to {@code handler} as (index, buffer, offset, length). */
    int drain(RecordSink sink, int limit) {
        return ring.read(handler(sink), limit);
    }

    private RecordSink current;
    private final MessageHandler adapter = (type, buffer, offset, length) -> {
        // a record committed by an earlier session's connection, even after this session began: dropped
        if (buffer.getInt(offset + SESSION_OFFSET) == session) {
            current.accept(buffer.getLong(offset + INDEX_OFFSET), buffer, offset + PREFIX, length - PREFIX);
        }
    };

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
        if (ring.size() == 0 && closeCause() == null && !closed) {
            LockSupport.parkNanos(this, nanos);
        }
        consumerParked = false;
    }

    /** Consumer: ends the session; a waiting producer returns false. */
    void close() {
        closed = true;
    }

    /** Consumer: starts a session for a new connection, empties the ring; returns the session's number. */
    int reopen() {
        int next = session + 1;
        session = next;
        while (ring.read((t, b, o, l) -> { }, Integer.MAX_VALUE) > 0) {
            // discard what the last connection left
        }
        closed = false; // an end recorded for an earlier session no longer counts: closeCause() compares
        return next;
    }

    /** One record out of the handoff. */
    @FunctionalInterface
    interface RecordSink {
        void accept(long index, DirectBuffer buffer, int offset, int length);
    }
}
