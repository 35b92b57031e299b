package teefs.queue;

import static teefs.posix.Posix.LIBC;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;
import teefs.posix.Stat;

/**
 * Keeps the blocks that the appender will write next <em>allocated</em>, so that no append can fault for lack of
 * space.
 *
 * <p>Why: Chronicle writes documents through a memory mapping of the cycle file, which it lengthens sparsely with
 * ftruncate. The first store into a page without blocks must allocate one; on a full filesystem that fails as a
 * SIGBUS (an {@code InternalError} in Java) in the middle of an append, after STORE already changed. Checking the free
 * space first is a race against whoever else fills the disk; blocks allocated beforehand are not.
 *
 * <p>How: {@code fallocate(FALLOC_FL_KEEP_SIZE)} of {@code [0, position + window)} of the cycle file, re-extended to
 * {@code position + window} whenever less than half the window (or less than the next mutation asks for) remains ahead
 * of the write position. KEEP_SIZE leaves the file's length, which Chronicle manages, untouched; blocks allocated
 * beyond the length stay allocated when Chronicle later lengthens the file (checked on tmpfs and ext4). A cycle file
 * that does not exist yet is reserved under its {@code .precreated} name, which Chronicle renames into place when it
 * creates the cycle, so even the new file's header and index land on reserved blocks. Once the appender has moved on
 * to a newer cycle, what the older file holds beyond its end of data is given back: punched out up to its length,
 * and truncated (to the same length) for what lies beyond, which is how ext4 lets go of blocks past the end.
 *
 * <p>When the filesystem cannot allocate ahead at all (no fallocate: EOPNOTSUPP), reservations are skipped with one
 * warning and the free-space check is the only guard, as before.
 *
 * <p>Not thread-safe: the appending thread owns it.
 */
final class SpaceReservation {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceReservation.class);
    static final String PRECREATED_SUFFIX = ".precreated";
    /** Appends need at least this much room ahead: the longest frame, a Chronicle index array, the end marker. */
    static final long MIN_WINDOW = 4L << 20;
    private static final long PAGE = 4096;

    private final Path dir;
    private final long window;
    private final LongSupplier usableSpace;
    private final Stat stat = new Stat();
    private boolean unsupported;

    /** The cycle file (by its {@code .cq4} name) whose {@code [0, reservedEnd)} is allocated; null before the first. */
    private Path file;
    private long reservedEnd;
    /** The previous cycle file, still holding its reservation until the appender has left it. */
    private Path retired;
    private long retiredEnd;

    /**
     * @param window      how far ahead of the write position blocks are kept (at least {@link #MIN_WINDOW})
     * @param usableSpace the filesystem's free space now, so that one fallocate never takes more than is there
     */
    SpaceReservation(Path dir, long window, LongSupplier usableSpace) {
        this.dir = dir;
        this.window = Math.max(window, MIN_WINDOW);
        this.usableSpace = usableSpace;
        deleteStalePrecreated();
    }

    /** True when {@code [position, position + bytes)} of {@code cycleFile} is reserved (or cannot be). Cheap. */
    boolean covers(Path cycleFile, long position, long bytes) {
        // identity first: the appender passes back the Path it reserved with, and equals() compares every byte
        return unsupported || ((cycleFile == file || cycleFile.equals(file)) && position + bytes <= reservedEnd);
    }

    /**
     * Makes sure at least {@code max(bytes, window / 2)} bytes from {@code position} on are allocated in
     * {@code cycleFile}, extending the reservation to {@code position + window + bytes} when they are not.
     *
     * @param position where the appender writes next in that file, or a position beyond it
     * @throws QueueFullException when the filesystem has no room for it; the reservation is as it was
     */
    void ensure(Path cycleFile, long position, long bytes) {
        if (unsupported) {
            return;
        }
        if (cycleFile.equals(file)) {
            if (reservedEnd - position >= Math.max(bytes, window / 2)) {
                return;
            }
            long end = position + window + bytes;
            allocate(cycleFile, Math.min(reservedEnd, position), end);
            reservedEnd = end;
            return;
        }
        // a new file: everything from its start, so that holes Chronicle left behind (unfilled index pages) count too
        long end = position + window + bytes;
        allocate(cycleFile, 0, end);
        Path previous = file;
        long previousEnd = reservedEnd;
        file = cycleFile;
        reservedEnd = end;
        if (previous != null) {
            if (Files.exists(previous)) {
                if (retired != null) {
                    releaseTail(retired, -1, retiredEnd); // two moves without an append between: nothing was written
                }
                retired = previous;
                retiredEnd = previousEnd;
            } else {
                deleteQuietly(precreated(previous)); // reserved, never rolled into
            }
        }
    }

    /** True when {@code cycleFile} is the retired file waiting for {@link #releaseRetired}. */
    boolean isRetired(Path cycleFile) {
        return retired != null && retired.equals(cycleFile);
    }

    /**
     * The appender has moved past the retired file, whose data (and end-of-file marker) ends at {@code dataEnd}: gives
     * back what its reservation holds beyond that.
     */
    void releaseRetired(long dataEnd) {
        if (retired != null) {
            Path r = retired;
            retired = null;
            releaseTail(r, dataEnd, retiredEnd);
        }
    }

    /** Gives back the current file's reservation beyond {@code dataEnd} (a clean stop), and the retired file's. */
    void releaseAll(long dataEnd) {
        if (file != null && Files.exists(file)) {
            releaseTail(file, dataEnd, reservedEnd);
        } else if (file != null) {
            deleteQuietly(precreated(file));
        }
        file = null;
        if (retired != null) {
            releaseTail(retired, -1, retiredEnd);
            retired = null;
        }
    }

    /**
     * Allocates every block of an existing file within its length (Chronicle's metadata file, mapped and written
     * like a cycle file but never grown by appends). A file that does not exist is left alone.
     *
     * @throws QueueFullException when the filesystem has no room for it
     */
    void allocateWhole(Path mapped) {
        int fd = LIBC.open(mapped.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            return;
        }
        try {
            if (stat.fstat(fd) == 0 && stat.size() > 0 && LIBC.fallocate(fd, 0, 0, stat.size()) != 0) {
                int errno = Posix.errno();
                if (errno != Posix.EOPNOTSUPP && errno != Posix.ENOSYS) {
                    throw failure("cannot allocate " + mapped, errno);
                }
            }
        } finally {
            LIBC.close(fd);
        }
    }

    /**
     * Allocates {@code [from, to)} of {@code cycleFile}, or of its {@code .precreated} twin when it does not exist
     * yet; refuses (before calling fallocate) when the filesystem clearly lacks the room, since ext4 keeps whatever
     * a failing fallocate managed to allocate.
     */
    private void allocate(Path cycleFile, long from, long to) {
        Path target = Files.exists(cycleFile) ? cycleFile : precreated(cycleFile);
        int fd = LIBC.open(target.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_CLOEXEC, 0644);
        if (fd < 0) {
            throw failure("cannot open " + target + " to reserve queue space", Posix.errno());
        }
        try {
            long allocated = stat.fstat(fd) == 0 ? stat.blocks() * 512 : 0;
            long missing = to - Math.max(allocated, from);
            long usable = usableSpace.getAsLong();
            if (missing > usable) {
                throw new QueueFullException("cannot reserve " + (to - from >> 20) + " MiB ahead in " + target
                        + ": the queue filesystem of " + dir + " has " + (usable >> 20) + " MiB free; free space there"
                        + " (or let the broadcaster trim acknowledged cycles)");
            }
            if (LIBC.fallocate(fd, Posix.FALLOC_FL_KEEP_SIZE, from, to - from) != 0) {
                int errno = Posix.errno();
                if (errno == Posix.EOPNOTSUPP || errno == Posix.ENOSYS) {
                    unsupported = true;
                    LOG.warn("the queue filesystem of {} cannot allocate ahead (fallocate: {}): appends rely on the "
                            + "free-space check alone, and one racing another process for the last blocks can stop "
                            + "the mount", dir, Posix.strerror(errno));
                    return;
                }
                throw failure("cannot reserve " + (to - from >> 20) + " MiB ahead in " + target, errno);
            }
        } finally {
            LIBC.close(fd);
        }
    }

    private RuntimeException failure(String what, int errno) {
        if (errno == Posix.ENOSPC || errno == Posix.EDQUOT) {
            return new QueueFullException(what + " (" + Posix.strerror(errno) + "): free space in " + dir
                    + " (or let the broadcaster trim acknowledged cycles)");
        }
        return new QueueException(what + ": " + Posix.strerror(errno));
    }

    /**
     * Deallocates {@code cycleFile}'s reservation beyond the page after {@code dataEnd} (beyond its header when
     * {@code dataEnd} is unknown, -1: then only what lies past its length). Best effort: a failure costs disk space,
     * never data.
     */
    private void releaseTail(Path cycleFile, long dataEnd, long end) {
        int fd = LIBC.open(cycleFile.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            return;
        }
        try {
            if (stat.fstat(fd) != 0) {
                return;
            }
            long length = stat.size();
            if (dataEnd >= 0) {
                long from = (dataEnd + 2 * PAGE - 1) / PAGE * PAGE;
                long to = Math.min(end, length);
                if (to > from && LIBC.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, from,
                        to - from) != 0) {
                    LOG.debug("cannot release reserved space in {}: {}", cycleFile, Posix.strerror(Posix.errno()));
                }
            }
            if (end > length && LIBC.ftruncate(fd, length) != 0) {
                LOG.debug("cannot release reserved space past the end of {}: {}", cycleFile,
                        Posix.strerror(Posix.errno()));
            }
        } finally {
            LIBC.close(fd);
        }
    }

    static Path precreated(Path cycleFile) {
        String name = cycleFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return cycleFile.resolveSibling((dot < 0 ? name : name.substring(0, dot)) + PRECREATED_SUFFIX);
    }

    /** A {@code .precreated} file left by a stopped appender holds space nobody will use (one appender per queue). */
    private void deleteStalePrecreated() {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, "*" + PRECREATED_SUFFIX)) {
            for (Path p : stale) {
                deleteQuietly(p);
            }
        } catch (IOException e) {
            LOG.debug("cannot list {} for stale reservations: {}", dir, e.toString());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", p, e.toString());
        }
    }
}
