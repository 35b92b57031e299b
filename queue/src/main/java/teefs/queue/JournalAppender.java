package teefs.queue;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;
import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Appends raw record frames to a {@link JournalQueue}, one Chronicle document per frame.
 *
 * <p><b>Space.</b> {@link #reserve} comes first, before the caller changes anything: it refuses (with
 * {@link QueueFullException}) while the queue's filesystem is below the free-space reserve, and it makes sure the
 * blocks the following appends will write are allocated ({@link SpaceReservation}), in the cycle file they will go
 * to ({@link CycleClock}). Appends themselves never refuse for space: after {@code reserve} returned, an append
 * cannot meet a full disk, whoever fills it meanwhile.
 *
 * <p>Not thread-safe: callers serialize every use (journal-fs holds its journal lock), possibly from different
 * threads (FUSE's pool), so Chronicle's own one-thread check is turned off. Data is copied once, from the caller's
 * memory (a heap array, a direct buffer or a native FUSE pointer wrapped in an Agrona buffer) into the queue's
 * mapped file. A failed append leaves nothing visible to readers.
 */
public final class JournalAppender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalAppender.class);
    private static final byte[] ZEROS = new byte[16];
    /** WRITE data at least this large goes to a {@link DataLog} side file instead of the mapped cycle file. */
    static final int SIDE_DATA_THRESHOLD = 32 * 1024;
    /** Room an append may take beyond its frame: a new Chronicle index array (4096 longs), header, padding. */
    private static final long APPEND_MARGIN = 64 << 10;
    private static final int NOT_HELD = Integer.MIN_VALUE;
    /** struct statvfs on Linux x86_64: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail (u64 each), ... (112 bytes). */
    private static final int STATVFS_SIZE = 112;
    private static final int F_FRSIZE = 8;
    private static final int F_BAVAIL = 32;

    private final JournalQueue queue;
    private final ExcerptAppender appender;
    private final MappingAdvice mappingAdvice = new MappingAdvice();
    private final AppendOptions options;
    private final FileStore fileStore;
    /** The queue directory, for fstatvfs: no path walk and no allocation per mutation; -1 falls back to fileStore. */
    private final int dirFd;
    private final byte[] statvfs = new byte[STATVFS_SIZE];
    private final QueueFlusher flusher;
    /** Wakes the broadcaster's sleeping pumps; null when the queue directory cannot hold one (they poll). */
    private final Doorbell doorbell;

    private long usableBytes;
    private int lastCycle = Integer.MIN_VALUE;
    private final DataLog dataLog;
    /** Data written ahead by {@link #stageSideData}, waiting for its record; stagedLength -1 when none. */
    private long stagedAddress;
    private int stagedLength = -1;
    private int stagedCycle;
    private long stagedOffset;
    private final UnsafeBuffer refScratch = new UnsafeBuffer(new byte[DataRef.DOCUMENT_LENGTH]);

    private final CycleClock clock;
    private final SpaceReservation reservation;
    /** The cycle (and its file) the clock is held in: where appends go until the next {@link #reserve} moves on. */
    private int heldCycle = NOT_HELD;
    private Path heldFile;
    /** Where the next document of {@link #heldFile} starts, or a position beyond it. */
    private long heldPosition;
    /** The cycle and file of the last append, and where its document ended (the next one's start). */
    private int writtenCycle = NOT_HELD;
    private Path writtenFile;
    private long writtenEnd = -1;

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
        this.dirFd = Posix.LIBC.open(queue.dir().toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        this.clock = queue.clock();
        this.reservation = new SpaceReservation(queue.dir(), options.reserveBytes(), () -> {
            refreshSpace();
            return usableBytes;
        });
        // Chronicle's metadata file (directory listing, locks) is mapped too, and written at each roll: all of it gets
        // blocks now, while it is small (a fresh queue's is 128 KiB with one page written)
        reservation.allocateWhole(queue.dir().resolve(JournalQueue.METADATA_FILE));
        this.flusher = options.sync() == SyncLevel.NONE ? null : new QueueFlusher(queue.dir(), options);
        this.dataLog = new DataLog(queue.dir());
        this.doorbell = openDoorbell(queue.dir());
        refreshSpace();
    }

    private static Doorbell openDoorbell(Path dir) {
        try {
            return Doorbell.forRinger(dir);
        } catch (QueueException e) {
            LOG.warn("no doorbell for readers of {} ({}): a broadcaster polls the queue instead, with up to 10 ms more "
                    + "latency after a quiet spell", dir, e.getMessage());
            return null;
        }
    }

    /** Appends one frame held in {@code buffer[offset, offset + length)}; returns its queue index. */
    public long append(DirectBuffer buffer, int offset, int length) {
        return append(buffer, offset, length, null, 0, 0, 0);
    }

    /**
     * Appends one frame made of a head (header and fixed fields), an optional body (write data, often native FUSE
     * memory) and {@code zeroPadding} zero bytes. Returns the frame's queue index.
     *
     * <p>Call {@link #reserve} first: an append never refuses for lack of free space (that would come after the
     * caller changed STORE), it only makes sure, as a safety net, that its own frame is inside the reservation.
     *
     * @throws QueueFullException only when nothing was reserved and the space for this frame cannot be; nothing was
     *                            written
     * @throws QueueException     when Chronicle failed; nothing was made visible
     */
    public long append(DirectBuffer head, int headOffset, int headLength,
                       DirectBuffer body, int bodyOffset, int bodyLength, int zeroPadding) {
        int total = headLength + bodyLength + zeroPadding;
        boolean sideData = bodyLength >= SIDE_DATA_THRESHOLD && body.byteArray() == null
                && headLength == DataRef.HEAD_LENGTH
                && RecordHeader.typeCode(head, headOffset) == RecordType.WRITE.code();
        ensureReserved(sideData ? DataRef.DOCUMENT_LENGTH : total);
        if (sideData) {
            return appendWithSideData(head, headOffset, body, bodyOffset, bodyLength);
        }
        return appendDocument(head, headOffset, headLength, body, bodyOffset, bodyLength, zeroPadding);
    }

    /** Writes one Chronicle document from the given parts, into reserved space. */
    private long appendDocument(DirectBuffer head, int headOffset, int headLength,
                                DirectBuffer body, int bodyOffset, int bodyLength, int zeroPadding) {
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            mappingAdvice.noReadAhead(bytes.bytesStore());
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

    // ---- space ---------------------------------------------------------------------------------------------------

    /**
     * Makes room for the appends of one mutation of about {@code bytes} (queue and side-file bytes together), before
     * the caller changes anything. Refuses while the queue's filesystem has less free space than the reserve (one
     * statvfs, about a microsecond: another process can fill the disk between two mutations), then makes sure the
     * cycle file the appends will go to has blocks allocated well ahead of them ({@link SpaceReservation}): from
     * here on, nothing the following appends write can meet a full disk. When the hour has changed, this is where
     * the new cycle's file is prepared and appends are let into it.
     *
     * @throws QueueFullException when there is not enough free space; nothing was written, and the next call tries
     *                            again
     */
    public void reserve(long bytes) {
        refreshSpace();
        if (usableBytes - bytes < options.reserveBytes()) {
            throw new QueueFullException("queue filesystem of " + queue.dir() + " has " + (usableBytes >> 20)
                    + " MiB free, below the reserve of " + (options.reserveBytes() >> 20)
                    + " MiB: free space there (or let the broadcaster trim acknowledged cycles)");
        }
        reserveBlocks(bytes + APPEND_MARGIN, true);
    }

    /**
     * {@link #reserve} without the free-space check, for the records of an operation that cannot be refused because
     * it already happened (a release: the descriptor is closed, and the kernel ignores the answer). Refusing it
     * would only lose its record; the blocks its appends will write are still made sure of, so an append after this
     * cannot meet a full disk either.
     *
     * @throws QueueFullException when the blocks cannot be allocated; nothing was written
     */
    public void reserveUnrefusable(long bytes) {
        reserveBlocks(bytes + APPEND_MARGIN, true);
    }

    /** The safety net of an append whose caller did not {@link #reserve}: its own frame, in the held cycle. */
    private void ensureReserved(long bytes) {
        if (heldCycle == NOT_HELD || !reservation.covers(heldFile, heldPosition, bytes + APPEND_MARGIN)) {
            // moving to a new cycle here would skip the caller's checkpoint of it: stay, unless nothing is held yet
            reserveBlocks(bytes + APPEND_MARGIN, heldCycle == NOT_HELD);
        }
    }

    private void reserveBlocks(long bytes, boolean mayMove) {
        int cycle = mayMove ? Math.max(clock.wallCycle(), heldCycle) : heldCycle;
        if (cycle == heldCycle) {
            reservation.ensure(heldFile, heldPosition, bytes);
            return;
        }
        Path file = queue.cycleFile(cycle);
        long position = file.equals(writtenFile) ? writtenEnd
                : Files.exists(file) ? queue.writePositionBound(cycle) : 0;
        reservation.ensure(file, position, bytes);
        heldCycle = cycle;
        heldFile = file;
        heldPosition = position;
        clock.hold(cycle);
    }

    /** Where the last append ended, and a roll: the file left behind gives back its reservation. */
    private void afterWrite() {
        int cycle = appender.cycle();
        long end = appender.wire().bytes().writePosition();
        if (cycle != writtenCycle) {
            Path file = cycle == heldCycle ? heldFile : queue.cycleFile(cycle);
            if (cycle != heldCycle) {
                LOG.warn("appended to cycle {} ({}) while the space reserved is in cycle {} ({})", cycle, file,
                        heldCycle, heldFile);
            }
            if (writtenFile != null && reservation.isRetired(writtenFile)) {
                reservation.releaseRetired(writtenEnd);
            }
            writtenCycle = cycle;
            writtenFile = file;
        }
        writtenEnd = end;
        if (cycle == heldCycle) {
            heldPosition = end;
        }
    }

    /**
     * Writes a large WRITE's data to the side file now (with write(2), which answers a full disk with ENOSPC), after
     * {@link #reserve} and before the caller changes STORE, so that a full queue disk is refused
     * ({@link QueueFullException}) while nothing has changed yet. The next {@link #append} of a WRITE with the same
     * body address and at most that length (STORE may take fewer bytes than asked) refers to the staged data instead
     * of writing it again. Does nothing for data that would stay inline.
     */
    public void stageSideData(long address, int length) {
        stagedLength = -1;
        if (length < SIDE_DATA_THRESHOLD) {
            return;
        }
        int cycle = queue.currentCycle();
        stagedOffset = dataLog.append(cycle, address, length);
        stagedCycle = cycle;
        stagedAddress = address;
        stagedLength = length;
    }

    /** A large WRITE from native memory: data to the cycle's {@link DataLog} with write(2), a {@link DataRef} here. */
    private long appendWithSideData(DirectBuffer head, int headOffset, DirectBuffer body, int bodyOffset,
                                    int bodyLength) {
        long address = body.addressOffset() + bodyOffset;
        int cycle;
        long dataOffset;
        if (stagedLength >= bodyLength && stagedAddress == address) {
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
        if (doorbell != null) {
            doorbell.ring();
        }
        afterWrite();
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

    private void refreshSpace() {
        // what FileStore.getUsableSpace answers (f_bavail * f_frsize), from a descriptor: every mutation asks
        if (dirFd >= 0 && Posix.LIBC.fstatvfs(dirFd, statvfs) == 0) {
            usableBytes = getLong(statvfs, F_BAVAIL) * getLong(statvfs, F_FRSIZE);
            return;
        }
        try {
            usableBytes = fileStore.getUsableSpace();
        } catch (IOException e) {
            usableBytes = 0;
        }
    }

    private static long getLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = value << 8 | (bytes[offset + i] & 0xFF);
        }
        return value;
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
            if (doorbell != null) {
                doorbell.close();
            }
            if (dirFd >= 0) {
                Posix.LIBC.close(dirFd);
            }
            dataLog.close();
            try {
                // a clean stop gives back what is reserved beyond the data; the next start reserves again
                reservation.releaseAll(heldFile != null && heldFile.equals(writtenFile) ? writtenEnd : -1);
            } catch (RuntimeException e) {
                LOG.debug("cannot release the queue's reserved space: {}", e.toString());
            } finally {
                appender.close();
            }
        }
    }
}
