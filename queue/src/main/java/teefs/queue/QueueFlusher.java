package teefs.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces the queue's current cycle file to the disk: on demand ({@link SyncLevel#ALWAYS}) or from its own thread
 * at most every batch interval while appends keep coming ({@link SyncLevel#BATCH}).
 *
 * <p>fdatasync on the file writes back the pages the appender dirtied through its memory map, so this needs no
 * access to Chronicle's internals. The appending thread never waits for a batch force: {@link #markDirty} is a
 * volatile flag and, at most once per batch, an unpark. A new cycle file's directory entry is forced once too.
 *
 * <p>Thread-safety: {@link #markDirty} and {@link #currentFile} are called by the appending thread while the
 * flusher thread runs; forces are serialized on {@code forceLock}, which only forcing threads take.
 */
final class QueueFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueFlusher.class);

    private final Path dir;
    private final long batchNanos;
    private final Object forceLock = new Object();
    private final Thread thread;

    private volatile boolean dirty;
    private volatile boolean closed;
    private volatile Path file;
    private volatile Path dataFile;
    /** Guarded by forceLock. */
    private Path dataChannelFile;
    private FileChannel dataChannel;
    /** Guarded by forceLock. */
    private Path channelFile;
    private FileChannel channel;
    private boolean directoryForced;

    QueueFlusher(Path dir, AppendOptions options) {
        this.dir = dir;
        this.batchNanos = TimeUnit.MILLISECONDS.toNanos(options.batchMillis());
        if (options.sync() == SyncLevel.BATCH) {
            thread = new Thread(this::run, "teefs-queue-flusher");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    void currentFile(Path newFile) {
        // force() reopens its channel when the file changes
        file = newFile;
    }

    /** The side file large WRITEs' data goes to now; forced before the cycle file that refers to it. */
    void currentDataFile(Path newFile) {
        dataFile = newFile;
    }

    void markDirty() {
        if (!dirty) {
            dirty = true;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    void forceNow() {
        // cleared before forcing: an append racing with the force marks it dirty again, never lost
        dirty = false;
        force();
    }

    private void run() {
        while (!closed) {
            if (!dirty) {
                LockSupport.park(this);
                continue;
            }
            // let a batch accumulate, then force it with one fdatasync
            LockSupport.parkNanos(this, batchNanos);
            if (closed) {
                return;
            }
            dirty = false;
            force();
        }
    }

    private void force() {
        synchronized (forceLock) {
            forceData();
            Path target = file;
            if (target == null) {
                return;
            }
            try {
                if (!target.equals(channelFile)) {
                    closeChannel();
                    channel = FileChannel.open(target, StandardOpenOption.READ);
                    channelFile = target;
                    directoryForced = false;
                }
                channel.force(false);
                if (!directoryForced) {
                    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                        d.force(true);
                    }
                    directoryForced = true;
                }
            } catch (IOException e) {
                LOG.warn("cannot force queue file {} to disk: {}", target, e.toString());
                closeChannel();
            }
        }
    }

    /** Data first: a forced reference must never point at data that a power cut could lose. */
    private void forceData() {
        Path target = dataFile;
        if (target == null) {
            return;
        }
        try {
            if (!target.equals(dataChannelFile)) {
                if (dataChannel != null) {
                    dataChannel.close();
                }
                dataChannel = FileChannel.open(target, StandardOpenOption.READ);
                dataChannelFile = target;
            }
            dataChannel.force(false);
        } catch (IOException e) {
            LOG.warn("cannot force journal data file {} to disk: {}", target, e.toString());
            dataChannel = null;
            dataChannelFile = null;
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // a failed close of a read-only channel loses nothing
            }
            channel = null;
            channelFile = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (forceLock) {
            if (dirty) {
                dirty = false;
                force();
            }
            closeChannel();
        }
    }
}
