package teefs.broadcast.server;

import java.util.concurrent.locks.LockSupport;

/**
 * How a pump waits for the appender (another process, so nothing can signal it). For the first {@value #HOT_NANOS}
 * ns after the last record it parks {@value #MIN_NANOS} ns at a time: writes come in bursts with short pauses (an
 * application's create, write, close; a file every few milliseconds), and a record appended in a pause should not
 * wait a whole slow interval. After that the interval doubles up to {@value #MAX_NANOS} ns: idle, a pump wakes 1000
 * times a second for a few microseconds of work, and a new record waits at most about a millisecond.
 *
 * <p>Not thread-safe: one per pump thread.
 */
final class IdleBackoff {
    static final long MIN_NANOS = 50_000;
    static final long MAX_NANOS = 1_000_000;
    static final long HOT_NANOS = 20_000_000;

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
        if (now - idleSince >= HOT_NANOS) {
            next = Math.min(next * 2, MAX_NANOS);
        }
    }

    /** The next park's length (for tests). */
    long nextNanos() {
        return next;
    }
}
