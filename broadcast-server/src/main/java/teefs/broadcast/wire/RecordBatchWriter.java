package teefs.broadcast.wire;

import java.util.function.Consumer;

import org.agrona.DirectBuffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import teefs.queue.FrameSpace;

/**
 * Builds RECORDS frames ({@link WireFormat}) from the raw frames a {@code JournalReader} hands over: each record is
 * copied once, from the queue's mapped memory into the batch buffer, and never re-encoded.
 *
 * <p>A batch is closed (handed to the sink) when it reaches the byte budget, when the next record's index is not
 * the previous one plus one (a queue cycle rolled), or on {@link #flush()}. A batch much smaller than its buffer is
 * compacted into a right-sized one so that many small batches queued for a slow client cost what they hold.
 *
 * <p>Not thread-safe: belongs to the thread that owns the reader feeding it.
 */
public final class RecordBatchWriter implements FrameSpace, AutoCloseable {
    private final ByteBufAllocator alloc;
    private final BatchBuffers buffers;
    private final int budget;
    private final Consumer<ByteBuf> sink;

    private ByteBuf batch;
    private long firstIndex;
    private long lastIndex = -1;
    private int count;
    private long bytes;

    /**
     * @param budget bytes of records after which a batch is closed (a single record may exceed it)
     * @param sink   receives each finished frame and owns it from then on
     */
    public RecordBatchWriter(ByteBufAllocator alloc, int budget, Consumer<ByteBuf> sink) {
        this(alloc, budget, 4, sink);
    }

    /**
     * @param inFlight full-size batch buffers kept for reuse: about how many batches the sink holds at once
     */
    public RecordBatchWriter(ByteBufAllocator alloc, int budget, int inFlight, Consumer<ByteBuf> sink) {
        this.alloc = alloc;
        this.buffers = new BatchBuffers(alloc, WireFormat.HEADER + WireFormat.RECORDS_PREFIX + budget, inFlight);
        this.budget = budget;
        this.sink = sink;
    }

    @Override
    public void accept(long index, DirectBuffer buffer, int offset, int length) {
        open(index, length);
        int at = batch.writerIndex();
        buffer.getBytes(offset, batch.internalNioBuffer(at, length), length);
        commit(index, length);
    }

    /** Room for the record at {@code index} at the end of the open batch; the reader fills it, then commits. */
    @Override
    public long reserve(long index, int length) {
        open(index, length);
        return batch.hasMemoryAddress() ? batch.memoryAddress() + batch.writerIndex() : 0;
    }

    @Override
    public void commit(long index, int length) {
        batch.writerIndex(batch.writerIndex() + length);
        lastIndex = index;
        count++;
        bytes += length;
        if (batch.writerIndex() - WireFormat.HEADER - WireFormat.RECORDS_PREFIX >= budget) {
            flush();
        }
    }

    /** Makes sure a batch that the record at {@code index} continues is open with {@code length} bytes free. */
    private void open(long index, int length) {
        if (batch != null && index != lastIndex + 1) {
            flush();
        }
        if (batch == null) {
            batch = buffers.take(WireFormat.HEADER + WireFormat.RECORDS_PREFIX + Math.max(budget, length));
            batch.writerIndex(WireFormat.HEADER + WireFormat.RECORDS_PREFIX);
            firstIndex = index;
            count = 0;
        }
        batch.ensureWritable(length);
    }

    /** Whether the current batch has reached its budget (callers stop reading then). */
    public boolean hasOpenBatch() {
        return batch != null;
    }

    /** Hands the open batch, if any, to the sink. */
    public void flush() {
        if (batch == null) {
            return;
        }
        ByteBuf frame = batch;
        batch = null;
        int total = frame.writerIndex();
        frame.setInt(0, total - WireFormat.LENGTH_FIELD);
        frame.setByte(WireFormat.LENGTH_FIELD, WireFormat.KIND_RECORDS);
        frame.setLong(WireFormat.HEADER, firstIndex);
        frame.setInt(WireFormat.HEADER + 8, count);
        if (frame.capacity() > 4 * total && total < 64 * 1024) {
            ByteBuf compact = alloc.directBuffer(total);
            compact.writeBytes(frame, 0, total);
            frame.release();
            frame = compact;
        }
        sink.accept(frame);
    }

    /** The index of the last record added, -1 before any. */
    public long lastIndex() {
        return lastIndex;
    }

    /** Record bytes added since creation. */
    public long bytes() {
        return bytes;
    }

    /** Releases an unfinished batch and the reusable buffers. */
    @Override
    public void close() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
        buffers.close();
    }
}
