package teefs.broadcast.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.queue.Doorbell;

/**
 * The broadcaster's end of the queue's {@link Doorbell}: one thread blocks on it and wakes every pump that sleeps for
 * new records. A pump with nothing to read {@link #arm arms} it, looks at the queue once more, and {@link #sleep
 * sleeps}; the journal's next append rings. So an idle broadcaster costs nothing and a record after a quiet spell is
 * sent at once, where polling cost CPU all day and up to {@value IdleBackoff#COLD_MAX_NANOS} ns of delay.
 *
 * <p>While the queue has no doorbell (its journal is of an earlier teefs, or not started yet) or no live process
 * rings it, {@link #arm} says no and pumps poll with {@link IdleBackoff}; the watcher looks for a doorbell again
 * every second.
 *
 * <p>Thread-safe. {@link #close} after every pump stopped.
 */
final class DoorbellWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DoorbellWatcher.class);
    /** A sleeping pump's timeout: the safety net for a ring another process took (two broadcasters on one queue). */
    static final long SLEEP_NANOS = 50_000_000L;
    private static final long LOOK_AGAIN_NANOS = 1_000_000_000L;

    private final Path queueDir;
    private final Set<Thread> sleepers = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile Doorbell bell;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong rings = new java.util.concurrent.atomic.AtomicLong();

    DoorbellWatcher(Path queueDir) {
        this.queueDir = queueDir;
        this.thread = new Thread(this::run, "teefs-doorbell");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        boolean saidPolling = false;
        while (!closed) {
            Doorbell b = bell;
            if (b == null) {
                b = Doorbell.forListener(queueDir).orElse(null);
                if (b == null) {
                    if (!saidPolling) {
                        LOG.info("the queue {} has no doorbell (its journal is of an earlier teefs, or not started): "
                                + "pumps poll it until one appears", queueDir);
                        saidPolling = true;
                    }
                    LockSupport.parkNanos(this, LOOK_AGAIN_NANOS);
                    continue;
                }
                bell = b;
                LOG.debug("pumps sleep until the queue's doorbell rings ({})", queueDir.resolve(Doorbell.PIPE));
            }
            try {
                rings.addAndGet(b.awaitRing());
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("the queue's doorbell failed ({}): pumps poll the queue", e.getMessage());
                    bell = null;
                    b.close();
                    LockSupport.parkNanos(this, LOOK_AGAIN_NANOS);
                }
                continue;
            }
            for (Thread t : sleepers) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * A pump found nothing to read. True: it is armed, and must look at the queue once more, then {@link #sleep} if
     * still nothing came. False: no doorbell rings, poll.
     */
    boolean arm(Thread pump) {
        Doorbell b = bell;
        if (b == null || !b.ringerAlive()) {
            return false;
        }
        sleepers.add(pump);
        b.arm();
        return true;
    }

    /** An armed pump that still found nothing: sleeps until a ring, an unpark, or {@value #SLEEP_NANOS} ns. */
    void sleep(Object blocker) {
        LockSupport.parkNanos(blocker, SLEEP_NANOS);
        sleepers.remove(Thread.currentThread());
    }

    /** An armed pump that found records (or stops) after all. */
    void disarm(Thread pump) {
        sleepers.remove(pump);
    }

    /** Rings heard so far (for tests: proof that a wake-up came from the journal, not from a timeout). */
    long rings() {
        return rings.get();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        Doorbell b = bell;
        if (b != null) {
            try {
                b.wakeListener();
                thread.join(1000);
            } catch (IOException ignored) {
                // the thread is a daemon; it ends with the process
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            b.close();
        }
    }
}
