package teefs.queue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.posix.Posix;

/**
 * Tells a reader in another process that the queue grew, so that it can sleep instead of polling: the journal is
 * one process and the broadcaster another, and Chronicle has no wake-up of its own. Two files in the queue directory:
 * <ul>
 * <li>{@value #PIPE}: a named pipe. A ring is one byte written to it; a listener blocks reading it.</li>
 * <li>{@value #STATE}: {@value #STATE_LENGTH} bytes both sides map. At {@value #ARMED}: 1 while a listener is about
 *     to sleep, set by the listener and cleared by the appender that rings. At {@value #RINGER_PID}: the pid of the
 *     process whose appends ring, 0 when none (a listener polls unless that process is alive: a journal of an
 *     earlier teefs, which keeps running while a newer broadcaster starts, never rings).</li>
 * </ul>
 *
 * <p>The protocol is Dekker's, with a full fence on each side: the appender publishes a record, then reads ARMED;
 * the listener sets ARMED, then looks at the queue once more before it sleeps. Either the listener's second look sees
 * the record, or the appender sees ARMED and rings. An appender pays a fence and a read per record while nobody
 * sleeps, and one write(2) per sleep. At most one byte is written per arming, so the pipe cannot fill up.
 *
 * <p>One listener thread per process reads the pipe and wakes that process's sleepers. Two listening processes on
 * one queue would take each other's bytes; each falls back to its timed sleep then.
 *
 * <p>Thread-safety: {@link #ring} from the appending thread; {@link #arm}, {@link #ringerAlive} from any thread;
 * {@link #awaitRing} from the one listener thread; {@link #close} once.
 */
public final class Doorbell implements AutoCloseable {
    public static final String PIPE = "doorbell.fifo";
    public static final String STATE = "doorbell.state";
    static final int STATE_LENGTH = 64;
    static final int ARMED = 0;
    static final int RINGER_PID = 8;
    private static final long PID_CHECK_NANOS = 1_000_000_000L;
    private static final byte[] ONE = {1};

    private final Path dir;
    private final MappedByteBuffer map;
    private final UnsafeBuffer state;
    /** The pipe for the ringer (non-blocking, through libc), or -1. */
    private final int ringFd;
    /** The pipe for the listener (blocking reads), or null. */
    private final RandomAccessFile listenPipe;
    private final long ownPid;
    private volatile long pidCheckedAt;
    private volatile boolean ringerAlive;

    private Doorbell(Path dir, MappedByteBuffer map, int ringFd, RandomAccessFile listenPipe, long ownPid) {
        this.dir = dir;
        this.map = map;
        this.state = new UnsafeBuffer(map);
        this.ringFd = ringFd;
        this.listenPipe = listenPipe;
        this.ownPid = ownPid;
        this.pidCheckedAt = System.nanoTime() - 2 * PID_CHECK_NANOS;
    }

    /**
     * The appender's side: creates the files when missing (never replaces them: a listener may hold the pipe open)
     * and names this process as the ringer.
     *
     * @throws QueueException when the directory cannot hold a named pipe or the state cannot be mapped
     */
    public static Doorbell forRinger(Path queueDir) {
        Path pipe = queueDir.resolve(PIPE);
        if (Posix.LIBC.mknod(pipe.toString(), Posix.S_IFIFO | 0660, 0) != 0 && Posix.errno() != Posix.EEXIST) {
            throw new QueueException("cannot create the named pipe " + pipe + ": " + Posix.strerror(Posix.errno()),
                    null);
        }
        if (!isPipe(pipe)) {
            throw new QueueException(pipe + " exists and is not a named pipe: remove it", null);
        }
        MappedByteBuffer map = mapState(queueDir, true);
        int fd = Posix.LIBC.open(pipe.toString(), Posix.O_RDWR | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new QueueException("cannot open " + pipe + ": " + Posix.strerror(Posix.errno()), null);
        }
        long pid = ProcessHandle.current().pid();
        Doorbell bell = new Doorbell(queueDir, map, fd, null, pid);
        bell.state.putLongVolatile(RINGER_PID, pid);
        return bell;
    }

    /**
     * The listener's side, or empty when the queue has no doorbell yet (a journal of an earlier teefs, or none started
     * since the queue was made) or this process may not use it (permissions): the caller polls, and may try again.
     */
    public static Optional<Doorbell> forListener(Path queueDir) {
        Path pipe = queueDir.resolve(PIPE);
        if (!isPipe(pipe) || !Files.isRegularFile(queueDir.resolve(STATE), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        MappedByteBuffer map;
        try {
            map = mapState(queueDir, false);
        } catch (QueueException e) {
            return Optional.empty();
        }
        try {
            // read-write: opening a named pipe so never blocks (Linux), and the pipe stays open while the ringer restarts
            RandomAccessFile in = new RandomAccessFile(pipe.toFile(), "rw");
            return Optional.of(new Doorbell(queueDir, map, -1, in, 0));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isPipe(Path p) {
        try {
            return Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") instanceof Integer m
                    && (m & Posix.S_IFMT) == Posix.S_IFIFO;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static MappedByteBuffer mapState(Path dir, boolean create) {
        Path file = dir.resolve(STATE);
        try (FileChannel ch = create
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < STATE_LENGTH) {
                if (!create) {
                    throw new QueueException(file + " is shorter than " + STATE_LENGTH + " bytes", null);
                }
                ch.write(java.nio.ByteBuffer.allocate(STATE_LENGTH), 0); // zeros; a concurrent creator writes the same
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, STATE_LENGTH);
        } catch (IOException e) {
            throw new QueueException("cannot map " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appender: after a record became visible, wakes a listener that is about to sleep. */
    public void ring() {
        VarHandle.fullFence();
        if (state.getIntVolatile(ARMED) != 0 && state.compareAndSetInt(ARMED, 1, 0)) {
            Posix.LIBC.write(ringFd, ONE, 1); // EAGAIN (a full pipe) means wake-ups are pending anyway
        }
    }

    /** Listener: about to sleep; look at the queue once more after this, then {@link #awaitRing} (another thread). */
    public void arm() {
        state.getAndSetInt(ARMED, 1);
    }

    /** Whether a live process rings this doorbell (checked against the process table at most once a second). */
    public boolean ringerAlive() {
        long now = System.nanoTime();
        if (now - pidCheckedAt >= PID_CHECK_NANOS) {
            long pid = state.getLongVolatile(RINGER_PID);
            ringerAlive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            pidCheckedAt = now;
        }
        return ringerAlive;
    }

    /**
     * Listener thread: blocks until a ring (or {@link #wakeListener}), then drains what is pending; returns the number
     * of rings drained.
     */
    public int awaitRing() throws IOException {
        byte[] drain = new byte[64];
        return Math.max(0, listenPipe.read(drain));
    }

    /** Listener's process: wakes its own listener thread (to stop it). */
    public void wakeListener() throws IOException {
        listenPipe.write(ONE);
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        if (ringFd >= 0) {
            state.compareAndSetLong(RINGER_PID, ownPid, 0); // a stopped journal rings no more: listeners poll
            Posix.LIBC.close(ringFd);
        }
        if (listenPipe != null) {
            try {
                listenPipe.close();
            } catch (IOException ignored) {
                // nothing was written through it that could be lost
            }
        }
        // the 64-byte mapping is left to the garbage collector: a late arm() or ring() then still touches mapped memory
    }
}
