package teefs.queue;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Appends raw record frames to a {@link JournalQueue}, one Chronicle document per frame.
 *
 * <p>Not thread-safe: callers serialize every use (journal-fs holds its journal lock), possibly from different
 * threads (FUSE's pool), so Chronicle's own one-thread check is turned off. Data is copied once, from the caller's
 * memory (a heap array, a direct buffer or a native FUSE pointer wrapped in an Agrona buffer) into the queue's
 * mapped file. A failed append leaves nothing visible to readers.
 */
public final class JournalAppender implements AutoCloseable {
    private static final byte[] ZEROS = new byte[16];
    /** WRITE data at least this large goes to a {@link DataLog} side file instead of the mapped cycle file. */
    static final int SIDE_DATA_THRESHOLD = 32 * 1024;

    private final JournalQueue queue;
    private final ExcerptAppender appender;
    private final AppendOptions options;
    private final FileStore fileStore;
    private final QueueFlusher flusher;

    private long usableBytes;
    private int lastCycle = Integer.MIN_VALUE;
    private final DataLog dataLog;
    /** Data written ahead by {@link #stageSideData}, waiting for its record; stagedLength -1 when none. */
    private long stagedAddress;
    private int stagedLength = -1;
    private int stagedCycle;
    private long stagedOffset;
    private final UnsafeBuffer refScratch = new UnsafeBuffer(new byte[DataRef.DOCUMENT_LENGTH]);

    JournalAppender(JournalQueue queue, ExcerptAppender appender, AppendOptions options) {
        this.queue = queue;
        this.appender = appender;
        this.appender.singleThreadedCheckDisabled(true);
        this.options = options;
        try {
            this.fileStore = Files.getFileStore(queue.dir());
        } catch (IOException e) {
            throw new QueueException("cannot inspect the filesystem of " + queue.dir() + ": " + e.getMessage(), e);
        }
        this.flusher = options.sync() == SyncLevel.NONE ? null : new QueueFlusher(queue.dir(), options);
        this.dataLog = new DataLog(queue.dir());
        refreshSpace();
    }

    /** Appends one frame held in {@code buffer[offset, offset + length)}; returns its queue index. */
    public long append(DirectBuffer buffer, int offset, int length) {
        return append(buffer, offset, length, null, 0, 0, 0);
    }

    /**
     * Appends one frame made of a head (header and fixed fields), an optional body (write data, often native FUSE
     * memory) and {@code zeroPadding} zero bytes. Returns the frame's queue index.
     *
     * @throws QueueFullException when the queue's filesystem is below the free-space reserve; nothing was written
     * @throws QueueException     when Chronicle failed; nothing was made visible
     */
    public long append(DirectBuffer head, int headOffset, int headLength,
                       DirectBuffer body, int bodyOffset, int bodyLength, int zeroPadding) {
        int total = headLength + bodyLength + zeroPadding;
        boolean sideData = bodyLength >= SIDE_DATA_THRESHOLD && body.byteArray() == null
                && headLength == DataRef.HEAD_LENGTH
                && RecordHeader.typeCode(head, headOffset) == RecordType.WRITE.code();
        boolean staged = sideData && stagedLength == bodyLength && stagedAddress == body.addressOffset() + bodyOffset;
        // a staged write's space was checked when its data was staged, before STORE changed: checking again now
        // would count its own data against it, and a refusal here would come after STORE changed
        if (!staged) {
            ensureSpace(total);
        }
        if (sideData) {
            return appendWithSideData(head, headOffset, body, bodyOffset, bodyLength, total);
        }
        return appendDocument(head, headOffset, headLength, body, bodyOffset, bodyLength, zeroPadding);
    }

    /** Writes one Chronicle document from the given parts; the caller has checked the space. */
    private long appendDocument(DirectBuffer head, int headOffset, int headLength,
                                DirectBuffer body, int bodyOffset, int bodyLength, int zeroPadding) {
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            copy(head, headOffset, headLength, bytes);
            if (bodyLength > 0) {
                copy(body, bodyOffset, bodyLength, bytes);
            }
            if (zeroPadding > 0) {
                bytes.write(ZEROS, 0, zeroPadding);
            }
        } catch (RuntimeException | InternalError e) {
            // InternalError is how the JVM reports a fault inside mapped memory (e.g. SIGBUS on a full disk)
            dc.rollbackOnClose();
            closeQuietly(dc);
            throw new QueueException("append to " + queue.dir() + " failed: " + e, e);
        }
        try {
            dc.close();
        } catch (RuntimeException e) {
            throw new QueueException("append to " + queue.dir() + " failed while committing: " + e, e);
        }
        long index = appender.lastIndexAppended();
        afterAppend();
        return index;
    }

    /**
     * Writes a large WRITE's data to the side file now, before the caller changes STORE, so that a full queue disk
     * is refused ({@link QueueFullException}) while nothing has changed yet. The next {@link #append} of a WRITE with
     * the same body address and length uses the staged data instead of writing it again. Does nothing for data that
     * would stay inline.
     */
    public void stageSideData(long address, int length) {
        if (length < SIDE_DATA_THRESHOLD) {
            return;
        }
        ensureSpace(length + DataRef.DOCUMENT_LENGTH);
        int cycle = queue.currentCycle();
        stagedOffset = dataLog.append(cycle, address, length);
        stagedCycle = cycle;
        stagedAddress = address;
        stagedLength = length;
    }

    /** A large WRITE from native memory: data to the cycle's {@link DataLog} with write(2), a {@link DataRef} here. */
    private long appendWithSideData(DirectBuffer head, int headOffset, DirectBuffer body, int bodyOffset,
                                    int bodyLength, int total) {
        long address = body.addressOffset() + bodyOffset;
        int cycle;
        long dataOffset;
        if (stagedLength == bodyLength && stagedAddress == address) {
            cycle = stagedCycle;
            dataOffset = stagedOffset;
        } else {
            cycle = queue.currentCycle();
            dataOffset = dataLog.append(cycle, address, bodyLength);
        }
        stagedLength = -1;
        refScratch.putBytes(0, head, headOffset, DataRef.HEAD_LENGTH);
        DataRef.writeTrailer(refScratch, cycle, dataOffset);
        if (flusher != null) {
            flusher.currentDataFile(dataLog.file());
        }
        return appendDocument(refScratch, 0, DataRef.DOCUMENT_LENGTH, null, 0, 0, 0);
    }

    private static void copy(DirectBuffer src, int offset, int length, Bytes<?> dst) {
        byte[] array = src.byteArray();
        if (array != null) {
            dst.write(array, src.wrapAdjustment() + offset, length);
        } else {
            dst.unsafeWrite(src.addressOffset() + offset, length);
        }
    }

    private void afterAppend() {
        if (flusher == null) {
            return;
        }
        int cycle = appender.cycle();
        if (cycle != lastCycle) {
            lastCycle = cycle;
            File file = appender.currentFile();
            if (file != null) {
                flusher.currentFile(file.toPath());
            }
        }
        if (options.sync() == SyncLevel.ALWAYS) {
            flusher.forceNow();
        } else {
            flusher.markDirty();
        }
    }

    /**
     * Fails fast, before anything is written, when the queue's filesystem is below its free-space reserve. Asks the
     * filesystem every time (one statvfs, about a microsecond): another process can fill the disk between two
     * mutations, and a cached figure let a create through to an append that then faulted on the full disk.
     */
    public void ensureSpace(long bytes) {
        refreshSpace();
        if (usableBytes - bytes < options.reserveBytes()) {
            throw new QueueFullException("queue filesystem of " + queue.dir() + " has " + (usableBytes >> 20)
                    + " MiB free, below the reserve of " + (options.reserveBytes() >> 20)
                    + " MiB: free space there (or let the broadcaster trim acknowledged cycles)");
        }
    }

    private void refreshSpace() {
        try {
            usableBytes = fileStore.getUsableSpace();
        } catch (IOException e) {
            usableBytes = 0;
        }
    }

    /** The cycle of the last append, or of the clock when nothing was appended yet. */
    public int cycle() {
        return appender.cycle();
    }

    public long lastIndexAppended() {
        return appender.lastIndexAppended();
    }

    public JournalQueue queue() {
        return queue;
    }

    /** Forces everything appended so far to the disk, whatever the sync level. */
    public void sync() {
        if (flusher != null) {
            flusher.forceNow();
        }
    }

    private static void closeQuietly(DocumentContext dc) {
        try {
            dc.close();
        } catch (RuntimeException ignored) {
            // the append already failed; its own exception is the one to report
        }
    }

    @Override
    public void close() {
        try {
            if (flusher != null) {
                flusher.close();
            }
        } finally {
            dataLog.close();
            appender.close();
        }
    }
}
