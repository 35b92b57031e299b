package teefs.queue;

import java.nio.file.Path;

import net.openhft.posix.PosixAPI;

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
 * <p>Crash safety: data is written before the document that refers to it, so a crash leaves at most unreferenced
 * bytes at a file's end. Not thread-safe: the appending thread owns it.
 */
final class DataLog implements AutoCloseable {
    static final String SUFFIX = JournalQueue.SIDE_DATA_SUFFIX;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_APPEND = 02000;
    private static final int O_CLOEXEC = 02000000;
    private static final int SEEK_END = 2;

    private final Path dir;
    private final PosixAPI posix = PosixAPI.posix();
    private int cycle = Integer.MIN_VALUE;
    private int fd = -1;
    private long size;
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
        long offset = size;
        long done = 0;
        while (done < length) {
            long n = posix.write(fd, address + done, length - done);
            if (n <= 0) {
                int errno = posix.lastError();
                // the bytes already written stay unreferenced; the file's end is re-read on the next open
                closeFile();
                if (errno == 28 || errno == 122) {
                    throw new QueueFullException("no space for journal data in " + dir + " (" + posix.strerror(errno)
                            + "): free space there");
                }
                throw new QueueException("cannot write journal data to " + fileFor(dir, forCycle) + ": "
                        + posix.strerror(errno));
            }
            done += n;
        }
        size += length;
        return offset;
    }

    private void open(int forCycle) {
        closeFile();
        Path path = fileFor(dir, forCycle);
        int opened = posix.open(path.toString(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (opened < 0) {
            throw new QueueException("cannot open journal data file " + path + ": " + posix.strerror(posix.lastError()));
        }
        long end = posix.lseek(opened, 0, SEEK_END);
        if (end < 0) {
            posix.close(opened);
            throw new QueueException("cannot seek in journal data file " + path);
        }
        fd = opened;
        size = end;
        cycle = forCycle;
        file = path;
    }

    private void closeFile() {
        if (fd >= 0) {
            posix.close(fd);
            fd = -1;
            cycle = Integer.MIN_VALUE;
        }
    }

    @Override
    public void close() {
        closeFile();
    }
}
