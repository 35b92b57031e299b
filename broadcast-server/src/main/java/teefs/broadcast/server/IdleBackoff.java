package teefs.broadcast.server;

import java.util.concurrent.locks.LockSupport;

/**
 * How a pump polls for the appender when the queue's doorbell cannot wake it ({@link DoorbellWatcher}: a journal of
 * an earlier teefs, or none running). For the first {@value #HOT_NANOS} ns after the last record it parks
 * {@value #MIN_NANOS} ns at a time: writes come in bursts with short pauses (an
 * application's create, write, close; a file every few milliseconds), and a record appended in a pause should not
 * wait a whole slow interval. After that the interval doubles up to {@value #MAX_NANOS} ns, and once the queue has
 * been quiet for {@value #COLD_NANOS} ns up to {@value #COLD_MAX_NANOS} ns: a home server's broadcaster sits idle
 * most of the day, and polling every millisecond per client cost about 5% of a core doing nothing (measured by
 * bench/mirror/peers.sh). The price is that the first record after a long quiet spell waits up to that interval.
 *
 * <p>Not thread-safe: one per pump thread.
 */
final class IdleBackoff {
    static final long MIN_NANOS = 50_000;
    static final long MAX_NANOS = 1_000_000;
    static final long HOT_NANOS = 20_000_000;
    static final long COLD_NANOS = 1_000_000_000;
    static final long COLD_MAX_NANOS = 10_000_000;

    private long next = MIN_NANOS;
    private long idleSince = -1;

    void reset() {
        next = MIN_NANOS;
        idleSince = -1;
    }

    void idle(Object blocker) {
        long now = System.nanoTime();
        if (idleSince < 0) {
            idleSince = now;
        }
        LockSupport.parkNanos(blocker, next);
        long idle = now - idleSince;
        if (idle >= HOT_NANOS) {
            next = Math.min(next * 2, idle >= COLD_NANOS ? COLD_MAX_NANOS : MAX_NANOS);
        }
    }

    /** The next park's length (for tests). */
    long nextNanos() {
        return next;
    }
}
