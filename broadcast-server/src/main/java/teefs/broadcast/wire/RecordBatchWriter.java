package teefs.broadcast.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.DirectBuffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;

import teefs.queue.FrameSpace;
import teefs.queue.SideDataConsumer;

/**
 * Builds RECORDS frames ({@link WireFormat}) from the raw frames a {@code JournalReader} hands over, never
 * re-encoding a record. An inline record is copied once, from the queue's mapped memory into the batch buffer. A
 * record whose data is in a side data file, when this writer has {@link SideFiles} (plain TCP and Unix sockets, not
 * TLS), is not read at all: its 40-byte head and its padding go into the batch buffer and its data becomes a
 * {@link FileRegion} between them, which the transport sends with sendfile(2) from the page cache. Without
 * {@link SideFiles} the reader reads the side data straight into the batch buffer ({@link FrameSpace}). The bytes on
 * the wire are the same either way (docs/WIRE.md).
 *
 * <p>A batch is closed (handed to the sink) when its records reach the byte budget, when the next record's index is
 * not the previous one plus one (a queue cycle rolled), or on {@link #flush()}. A batch buffer much fuller than its
 * content is compacted into a right-sized one so that many small batches queued for a slow client cost what they
 * hold.
 *
 * <p>Not thread-safe: belongs to the thread that owns the reader feeding it.
 */
public final class RecordBatchWriter implements FrameSpace, SideDataConsumer, AutoCloseable {
    private final ByteBufAllocator alloc;
    private final BatchBuffers buffers;
    private final int budget;
    private final Consumer<RecordsFrame> sink;
    private final SideFiles sideFiles;
    private final int minRegionBytes;

    private ByteBuf batch;
    private long firstIndex;
    private long lastIndex = -1;
    private int count;
    /** Record bytes in the open batch, side-file data included. */
    private long batchBytes;
    private long bytes;
    /** Side-data regions of the open batch, and where in the batch buffer each goes (after its record's head). */
    private final List<FileRegion> regions = new ArrayList<>();
    private int[] regionAt = new int[16];

    /**
     * A writer that copies every record into its batch buffers.
     *
     * @param budget bytes of records after which a batch is closed (a single record may exceed it)
     * @param sink   receives each finished frame and owns it from then on
     */
    public RecordBatchWriter(ByteBufAllocator alloc, int budget, Consumer<RecordsFrame> sink) {
        this(alloc, budget, 4, null, 0, sink);
    }

    /**
     * @param inFlight       full-size batch buffers kept for reuse: about how many batches the sink holds at once
     * @param sideFiles      the queue's side files, to send side data as file regions; null to copy it
     * @param minRegionBytes side data shorter than this is copied anyway (a region costs a syscall of its own)
     */
    public RecordBatchWriter(ByteBufAllocator alloc, int budget, int inFlight, SideFiles sideFiles, int minRegionBytes,
                             Consumer<RecordsFrame> sink) {
        this.alloc = alloc;
        this.buffers = new BatchBuffers(alloc, WireFormat.HEADER + WireFormat.RECORDS_PREFIX + budget, inFlight);
        this.budget = budget;
        this.sink = sink;
        this.sideFiles = sideFiles;
        this.minRegionBytes = minRegionBytes;
    }

    @Override
    public void accept(long index, DirectBuffer buffer, int offset, int length) {
        open(index, length);
        int at = batch.writerIndex();
        buffer.getBytes(offset, batch.internalNioBuffer(at, length), length);
        batch.writerIndex(at + length);
        added(index, length);
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
        added(index, length);
    }

    /** A side-data record: its head and padding into the batch buffer, its data as a region between them. */
    @Override
    public boolean acceptSideData(long index, DirectBuffer head, int headOffset, int cycle, long dataOffset,
                                  int dataLength, int frameLength) {
        if (sideFiles == null || dataLength < minRegionBytes) {
            return false;
        }
        FileRegion region = sideFiles.region(index, cycle, dataOffset, dataLength);
        int padding = frameLength - HEAD_LENGTH - dataLength;
        open(index, HEAD_LENGTH + padding);
        int at = batch.writerIndex();
        head.getBytes(headOffset, batch.internalNioBuffer(at, HEAD_LENGTH), HEAD_LENGTH);
        batch.writerIndex(at + HEAD_LENGTH);
        if (regions.size() == regionAt.length) {
            regionAt = Arrays.copyOf(regionAt, regionAt.length * 2);
        }
        regionAt[regions.size()] = batch.writerIndex();
        regions.add(region);
        batch.writeZero(padding);
        added(index, frameLength);
        return true;
    }

    private void added(long index, int length) {
        lastIndex = index;
        count++;
        bytes += length;
        batchBytes += length;
        if (batchBytes >= budget) {
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
            batchBytes = 0;
        }
        batch.ensureWritable(length);
    }

    /** Whether a batch is open (records added since the last flush). */
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
        frame.setInt(0, (int) (WireFormat.HEADER + WireFormat.RECORDS_PREFIX + batchBytes - WireFormat.LENGTH_FIELD));
        frame.setByte(WireFormat.LENGTH_FIELD, WireFormat.KIND_RECORDS);
        frame.setLong(WireFormat.HEADER, firstIndex);
        frame.setInt(WireFormat.HEADER + 8, count);
        if (frame.capacity() > 4 * total && total < 64 * 1024) {
            ByteBuf compact = alloc.directBuffer(total);
            compact.writeBytes(frame, 0, total);
            frame.release();
            frame = compact;
        }
        List<Object> parts;
        if (regions.isEmpty()) {
            parts = List.of(frame);
        } else {
            parts = new ArrayList<>(2 * regions.size() + 1);
            int from = 0;
            for (int i = 0; i < regions.size(); i++) {
                parts.add(frame.retainedSlice(from, regionAt[i] - from));
                parts.add(regions.get(i));
                from = regionAt[i];
            }
            if (from < total) {
                parts.add(frame.retainedSlice(from, total - from));
            }
            frame.release();
            regions.clear();
        }
        sink.accept(new RecordsFrame(firstIndex, count, batchBytes, parts));
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
        regions.forEach(FileRegion::release);
        regions.clear();
        buffers.close();
    }
}
