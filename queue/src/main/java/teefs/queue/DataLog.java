package teefs.queue;

import static teefs.posix.Posix.LIBC;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;

/**
 * The side files that hold the data of large WRITE records: one append-only file per queue cycle,
 * {@code <cycle>.teefs-data} in the queue directory.
 *
 * <p>Why: a WRITE's data copied into Chronicle's memory-mapped cycle file takes a page fault per new page, measured
 * here at 3-4x the kernel time of write(2) for the same bytes; written with write(2) straight from the caller's
 * native buffer (the FUSE request) it costs what STORE's own pwrite costs. The Chronicle document then holds the
 * record's 40-byte head (its CRC already covering the data) and a {@link DataRef} trailer; {@link JournalReader}
 * puts the frame back together, so every reader and the wire see the same bytes as for an inline record.
 *
 * <p>Blocks ahead: the file's blocks are allocated {@value #PREALLOCATE_BYTES} bytes at a time with
 * {@code fallocate(FALLOC_FL_KEEP_SIZE)} beyond its end. A write(2) into blocks that are already allocated skips
 * ext4's per-page delayed-allocation bookkeeping (measured here: about 30% less kernel time per GiB appended), and a
 * full disk is met by the fallocate, before the caller changed anything, as {@link QueueFullException}. What is
 * allocated beyond the data is given back (ftruncate to the length) when the file is closed; after a crash it stays
 * until the file is deleted or appended to again.
 *
 * <p>Crash safety: data is written before the document that refers to it, so a crash leaves at most unreferenced
 * bytes at a file's end. Not thread-safe: the appending thread owns it.
 */
final class DataLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataLog.class);
    /** How far ahead of the data the file's blocks are allocated, at most. */
    static final long PREALLOCATE_BYTES = 32L << 20;
    static final String SUFFIX = JournalQueue.SIDE_DATA_SUFFIX;
    private static final int SEEK_END = 2;

    private final Path dir;
    private int cycle = Integer.MIN_VALUE;
    private int fd = -1;
    private long size;
    /** {@code [0, allocatedEnd)} of the open file has blocks (as far as this appender knows). */
    private long allocatedEnd;
    private boolean preallocateUnsupported;
    private Path file;

    DataLog(Path dir) {
        this.dir = dir;
    }

    static Path fileFor(Path dir, int cycle) {
        return dir.resolve(cycle + SUFFIX);
    }

    /** The file the last {@link #append} wrote to (for the flusher), or null. */
    Path file() {
        return file;
    }

    /** Appends {@code length} bytes at native {@code address} to the file of {@code cycle}; returns their offset. */
    long append(int forCycle, long address, int length) {
        if (forCycle != cycle) {
            open(forCycle);
        }
        if (size + length > allocatedEnd) {
            allocateAhead(forCycle, length);
        }
        long offset = size;
        long done = 0;
        while (done < length) {
            long n = LIBC.write(fd, address + done, length - done);
            if (n <= 0) {
                int errno = Posix.errno();
                // the bytes already written stay unreferenced; the file's end is re-read on the next open
                closeFile();
                if (errno == Posix.ENOSPC || errno == Posix.EDQUOT) {
                    throw new QueueFullException("no space for journal data in " + dir + " (" + Posix.strerror(errno)
                            + "): free space there");
                }
                throw new QueueException("cannot write journal data to " + fileFor(dir, forCycle) + ": "
                        + Posix.strerror(errno));
            }
            done += n;
        }
        size += length;
        return offset;
    }

    /**
     * Allocates blocks from the file's end: {@value #PREALLOCATE_BYTES} bytes, or only {@code length} when the disk
     * has less than that.
     *
     * @throws QueueFullException when not even {@code length} bytes can be allocated; nothing was written
     */
    private void allocateAhead(int forCycle, int length) {
        if (preallocateUnsupported) {
            return;
        }
        long ahead = Math.max(PREALLOCATE_BYTES, length);
        if (LIBC.fallocate(fd, Posix.FALLOC_FL_KEEP_SIZE, size, ahead) == 0) {
            allocatedEnd = size + ahead;
            return;
        }
        int errno = Posix.errno();
        if (errno == Posix.EOPNOTSUPP || errno == Posix.ENOSYS) {
            preallocateUnsupported = true;
            LOG.info("the queue filesystem of {} cannot allocate ahead (fallocate: {}): side data is appended "
                    + "without", dir, Posix.strerror(errno));
            return;
        }
        if ((errno == Posix.ENOSPC || errno == Posix.EDQUOT)
                && LIBC.fallocate(fd, Posix.FALLOC_FL_KEEP_SIZE, size, length) == 0) {
            allocatedEnd = size + length;
            return;
        }
        errno = Posix.errno();
        if (errno == Posix.ENOSPC || errno == Posix.EDQUOT) {
            throw new QueueFullException("no space for journal data in " + dir + " (" + Posix.strerror(errno)
                    + "): free space there");
        }
        throw new QueueException("cannot allocate journal data space in " + fileFor(dir, forCycle) + ": "
                + Posix.strerror(errno));
    }

    private void open(int forCycle) {
        closeFile();
        Path path = fileFor(dir, forCycle);
        int opened = LIBC.open(path.toString(),
                Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0644);
        if (opened < 0) {
            throw new QueueException("cannot open journal data file " + path + ": " + Posix.strerror(Posix.errno()));
        }
        long end = LIBC.lseek(opened, 0, SEEK_END);
        if (end < 0) {
            LIBC.close(opened);
            throw new QueueException("cannot seek in journal data file " + path);
        }
        fd = opened;
        size = end;
        allocatedEnd = end;
        cycle = forCycle;
        file = path;
    }

    private void closeFile() {
        if (fd >= 0) {
            // give back the blocks allocated beyond the data (ext4 keeps them past the length until a truncate)
            if (allocatedEnd > size && LIBC.ftruncate(fd, size) != 0) {
                LOG.debug("cannot release preallocated space of {}: {}", file, Posix.strerror(Posix.errno()));
            }
            LIBC.close(fd);
            fd = -1;
            cycle = Integer.MIN_VALUE;
        }
    }

    @Override
    public void close() {
        closeFile();
    }
}
