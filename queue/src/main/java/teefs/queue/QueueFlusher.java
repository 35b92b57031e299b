package teefs.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces the queue's current cycle file to the disk: on demand ({@link SyncLevel#ALWAYS}) or from its own thread
 * at most every batch interval while appends keep coming ({@link SyncLevel#BATCH}).
 *
 * <p>fdatasync on the file writes back the pages the appender dirtied through its memory map, so this needs no
 * access to Chronicle's internals and no hand-off from the appending thread beyond a flag. A new cycle file's
 * directory entry is forced once too.
 *
 * <p>Thread-safety: {@link #markDirty}, {@link #currentFile} and {@link #forceNow} may be called from the appending
 * thread while the flusher thread runs.
 */
final class QueueFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueFlusher.class);

    private final Path dir;
    private final long batchNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition dirtyCondition = lock.newCondition();
    private final Thread thread;

    private boolean dirty;
    private boolean closed;
    private Path file;
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
        lock.lock();
        try {
            if (!newFile.equals(file)) {
                closeChannel();
                file = newFile;
                directoryForced = false;
            }
        } finally {
            lock.unlock();
        }
    }

    void markDirty() {
        lock.lock();
        try {
            if (!dirty) {
                dirty = true;
                dirtyCondition.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    void forceNow() {
        lock.lock();
        try {
            dirty = false;
            force();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (!dirty && !closed) {
                    dirtyCondition.await();
                }
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            // let a batch accumulate, then force it in one fdatasync
            try {
                TimeUnit.NANOSECONDS.sleep(batchNanos);
            } catch (InterruptedException e) {
                return;
            }
            forceNow();
        }
    }

    private void force() {
        if (file == null) {
            return;
        }
        try {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            }
            channel.force(false);
            if (!directoryForced) {
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
                directoryForced = true;
            }
        } catch (IOException e) {
            LOG.warn("cannot force queue file {} to disk: {}", file, e.toString());
            closeChannel();
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
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (dirty) {
                dirty = false;
                force();
            }
            closed = true;
            dirtyCondition.signalAll();
            closeChannel();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
