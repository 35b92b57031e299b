package teefs.queue;

import org.agrona.concurrent.UnsafeBuffer;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;

/**
 * Reads raw record frames from a {@link JournalQueue} in index order, following appends live (also those of another
 * process). Frames are handed over without a copy when the queue is memory-mapped, which it always is on Linux.
 *
 * <p>Not thread-safe: a reader belongs to one thread.
 */
public final class JournalReader implements AutoCloseable {
    private final JournalQueue queue;
    private final ExcerptTailer tailer;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private byte[] copyBuffer = new byte[0];
    private final DataLogReader sideData;
    private long handlesOnlyBefore;

    JournalReader(JournalQueue queue, ExcerptTailer tailer) {
        this.queue = queue;
        this.tailer = tailer;
        this.sideData = new DataLogReader(queue.dir());
    }

    /**
     * Positions the reader so that the next record read is the one at {@code index}; false when it is not retained
     * (or not yet written), in which case the reader's position is unchanged.
     */
    public boolean seekTo(long index) {
        long previous = tailer.index();
        if (tailer.moveToIndex(index)) {
            return true;
        }
        restore(previous);
        return false;
    }

    /**
     * Positions the reader right after {@code index} (the last record a client applied); false when that record is
     * not retained, in which case the reader's position is unchanged.
     */
    public boolean seekAfter(long index) {
        long previous = tailer.index();
        if (tailer.moveToIndex(index)) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (dc.isPresent()) {
                    return true;
                }
            }
        }
        restore(previous);
        return false;
    }

    /**
     * Undoes a failed {@code moveToIndex}, which does not leave a Chronicle tailer where it was (measured with
     * 2026.4: past the end of the cycle it moves to the requested index; at the end or outside the retained cycles
     * {@code index()} may still report the old value while the next read comes back empty).
     */
    private void restore(long previous) {
        if (tailer.moveToIndex(previous)) {
            return;
        }
        // previous was not a record: either the end (the next index to be written), which moveToIndex refuses,
        // or a position before the oldest retained record
        long first = queue.firstIndex();
        if (first >= 0 && previous < first) {
            tailer.toStart();
        } else {
            tailer.toEnd();
        }
    }

    /** Positions the reader at the oldest retained record. */
    public void toStart() {
        tailer.toStart();
    }

    /** Positions the reader after the newest record: only records appended from now on will be read. */
    public void toEnd() {
        tailer.toEnd();
    }

    /** The index the next read will return (meaningful once positioned). */
    public long index() {
        return tailer.index();
    }

    /**
     * From now on, records before {@code index} are passed over unless they change the handle table
     * ({@link RecordType#changesHandles}): a reader that only rebuilds handles up to where it starts applying then
     * reads no WRITE data, inline or in side files. 0 (or any index not after the position) reads every record.
     */
    public void handlesOnlyBefore(long index) {
        handlesOnlyBefore = index;
    }

    /**
     * Hands the next record, if one is there, to {@code consumer}; records passed over by {@link #handlesOnlyBefore}
     * are consumed without a call.
     *
     * @return false when no record is available yet (the caller decides how to wait)
     */
    public boolean readNext(RecordConsumer consumer) {
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return false;
                }
                Bytes<?> bytes = dc.wire().bytes();
                long position = bytes.readPosition();
                int length = (int) bytes.readRemaining();
                long index = dc.index();
                if (index < handlesOnlyBefore && length >= RecordHeader.LENGTH) {
                    RecordType type = RecordType.fromCode(bytes.readUnsignedByte(position + RecordHeader.TYPE_OFFSET));
                    if (type != null && !type.changesHandles()) {
                        continue; // an unknown type is handed on, for the consumer to refuse
                    }
                }
                hand(consumer, bytes, position, length, index);
                return true;
            }
        }
    }

    private void hand(RecordConsumer consumer, Bytes<?> bytes, long position, int length, long index) {
        if (bytes.isDirectMemory()) {
            view.wrap(bytes.addressForRead(position), length);
        } else {
            if (copyBuffer.length < length) {
                copyBuffer = new byte[Math.max(length, copyBuffer.length * 2)];
            }
            bytes.read(copyBuffer, 0, length);
            view.wrap(copyBuffer, 0, length);
        }
        if (!DataRef.isRef(view, 0, length)) {
            consumer.accept(index, view, 0, length);
            return;
        }
        int frameLength = sideData.frameLength(view, 0);
        if (consumer instanceof SideDataConsumer sd) {
            int dataLength = DataRef.dataLength(view, 0);
            sideData.check(index, dataLength);
            if (sd.acceptSideData(index, view, 0, DataRef.cycle(view, 0), DataRef.dataOffset(view, 0),
                    dataLength, frameLength)) {
                return;
            }
        }
        FrameSpace space = consumer instanceof FrameSpace s ? s : null;
        long address = space != null ? space.reserve(index, frameLength) : 0;
        if (address != 0) {
            sideData.assembleAt(index, view, 0, address);
            space.commit(index, frameLength);
        } else {
            consumer.accept(index, sideData.assemble(index, view, 0), 0, frameLength);
        }
    }

    public JournalQueue queue() {
        return queue;
    }

    @Override
    public void close() {
        sideData.close();
        tailer.close();
    }
}
