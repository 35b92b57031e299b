package teefs.mirror.session;

import java.util.function.LongSupplier;

/**
 * Exponential backoff with jitter for reconnecting: each failure doubles the delay from {@code initial} up to
 * {@code max}; the delay returned is drawn uniformly from [half, all] of it, so mirrors that lost the same server
 * do not come back in lockstep. {@link #reset()} after a success.
 *
 * <p>Not thread-safe: the mirror thread owns it. The random source is injected for tests.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final LongSupplier random;
    private long current;

    /** @param random returns uniformly distributed longs (e.g. {@code ThreadLocalRandom.current()::nextLong}) */
    Backoff(long initialNanos, long maxNanos, LongSupplier random) {
        if (initialNanos <= 0 || maxNanos < initialNanos) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max");
        }
        this.initialNanos = initialNanos;
        this.maxNanos = maxNanos;
        this.random = random;
        this.current = initialNanos;
    }

    /** The delay to wait before the next attempt; doubles the base for the one after. */
    long nextDelayNanos() {
        long base = current;
        current = Math.min(maxNanos, current * 2);
        long half = base / 2;
        return half + Math.floorMod(random.getAsLong(), half + 1);
    }

    void reset() {
        current = initialNanos;
    }
}
