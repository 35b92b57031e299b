package teefs.broadcast.server;

import java.time.Duration;

/**
 * Bounds on how much of the queue the server keeps. Cycles that every registered client has acked past may be
 * trimmed, but the newest {@code minBytes} are always kept; beyond {@code maxBytes} or {@code maxAge} the oldest
 * cycles go even if a client still needs them (that client then gets INDEX_NOT_RETAINED and must bootstrap).
 *
 * @param minBytes keep at least this many bytes of cycle files, acked or not
 * @param maxBytes never keep more than this (Long.MAX_VALUE: no bound)
 * @param maxAge   never keep cycles older than this (null: no bound)
 */
public record RetentionPolicy(long minBytes, long maxBytes, Duration maxAge) {
    public RetentionPolicy {
        if (minBytes < 0 || maxBytes < minBytes) {
            throw new IllegalArgumentException("retention bounds must satisfy 0 <= --retain-min-size <= --retain-max-size, was "
                    + minBytes + " and " + maxBytes);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new IllegalArgumentException("--retain-max-age must be positive, was " + maxAge);
        }
    }

    /** Trims only what every client acked, keeping no floor: the default when nothing is configured. */
    public static RetentionPolicy keepEverything() {
        return new RetentionPolicy(Long.MAX_VALUE, Long.MAX_VALUE, null);
    }

    public boolean trimsAnything() {
        return minBytes != Long.MAX_VALUE || maxBytes != Long.MAX_VALUE || maxAge != null;
    }
}
