package teefs.queue;

/**
 * A {@link RecordConsumer} that can lend the reader native memory to build a frame in, so that a record whose data
 * lives in a side data file is read from that file straight into the consumer's buffer: one copy instead of two on
 * the broadcaster's hot path (measured in bench/broadcast; docs/BENCHMARKS.md).
 *
 * <p>The reader calls {@link #reserve}, fills exactly {@code length} bytes at the returned address, then calls
 * {@link #commit}; if filling fails it calls neither again and the reservation is forgotten. Records that are
 * inline in the queue still arrive through {@link #accept}.
 */
public interface FrameSpace extends RecordConsumer {
    /** The native address of {@code length} writable bytes for the record at {@code index}, or 0 to decline. */
    long reserve(long index, int length);

    /** The frame at the last reserved address is complete. */
    void commit(long index, int length);
}
