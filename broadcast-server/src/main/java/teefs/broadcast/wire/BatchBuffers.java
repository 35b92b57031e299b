package teefs.broadcast.wire;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A small ring of full-size batch buffers that one pump reuses once the channel has written them.
 *
 * <p>Why: a pump is not an event-loop thread, so the pooled allocator gives it no thread cache, and a batch is freed
 * on the event loop after the socket write. Measured with {@code bench/broadcast}: the arena's chunk then empties
 * and is destroyed and re-created (and zeroed by {@code DirectByteBuffer}) over and over, about 5% of the pump's
 * CPU at 600 MB/s. Here the ring keeps one reference to each buffer and hands out a second; the channel's release
 * after the write drops it back to one, which is what "free again" means.
 *
 * <p>Not thread-safe: belongs to the pump; {@link ByteBuf#refCnt()} is the only state shared with the event loop.
 */
public final class BatchBuffers implements AutoCloseable {
    private final ByteBufAllocator alloc;
    private final int capacity;
    private final int max;
    private final List<ByteBuf> ring = new ArrayList<>();
    private int next;

    /**
     * @param capacity size of every ring buffer
     * @param max      buffers kept at most; beyond that (every one still in flight) a plain pooled buffer is made
     */
    public BatchBuffers(ByteBufAllocator alloc, int capacity, int max) {
        this.alloc = alloc;
        this.capacity = capacity;
        this.max = Math.max(1, max);
    }

    /** A cleared buffer of at least {@code size} bytes, owned by the caller (release it, or hand it to a channel). */
    public ByteBuf take(int size) {
        if (size > capacity) {
            return alloc.directBuffer(size);
        }
        for (int i = 0; i < ring.size(); i++) {
            ByteBuf b = ring.get((next + i) % ring.size());
            if (b.refCnt() == 1) {
                next = (next + i + 1) % ring.size();
                return b.clear().retain();
            }
        }
        ByteBuf b = alloc.directBuffer(capacity);
        if (ring.size() < max) {
            ring.add(b);
            return b.retain();
        }
        return b;
    }

    /** Buffers in the ring (for tests). */
    int size() {
        return ring.size();
    }

    /** Drops the ring's references; buffers still in flight are freed by whoever holds them last. */
    @Override
    public void close() {
        ring.forEach(ByteBuf::release);
        ring.clear();
    }
}
