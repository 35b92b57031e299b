package teefs.broadcast.server;

import java.util.concurrent.locks.LockSupport;

/**
 * How a pump waits for the appender (another process, so nothing can signal it): parks for a doubling interval,
 * from {@value #MIN_NANOS} ns to {@value #MAX_NANOS} ns, reset by any work. Idle, a pump wakes 1000 times a
 * second for a few microseconds of work: no core burnt, and a new record waits at most about a millisecond.
 *
 * <p>Not thread-safe: one per pump thread.
 */
final class IdleBackoff {
    static final long MIN_NANOS = 50_000;
    static final long MAX_NANOS = 1_000_000;

    private long next = MIN_NANOS;

    void reset() {
        next = MIN_NANOS;
    }

    void idle(Object blocker) {
        LockSupport.parkNanos(blocker, next);
        next = Math.min(next * 2, MAX_NANOS);
    }
}
