package teefs.cli.up;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/**
 * When to restart a role that died: exponential backoff with jitter, reset once the role has run stably, and a storm
 * limit (at most {@code stormLimit} restarts within {@code stormWindow}) beyond which the role is left stopped and
 * reported instead of restarted in a loop.
 *
 * <p>Pure arithmetic on the times it is given (no clock, no sleeps), so tests drive it with made-up times. Not
 * thread-safe: the supervisor thread owns it.
 */
public final class RestartPolicy {
    private final Settings settings;
    private final RandomGenerator random;
    private final Deque<Long> recentRestarts = new ArrayDeque<>();
    private int failuresInARow;

    /** The knobs, all from the config's [supervise] table. */
    public record Settings(Duration backoffInitial, Duration backoffMax, int stormLimit, Duration stormWindow,
            Duration stableAfter) {
        public static Settings defaults() {
            return new Settings(Duration.ofMillis(500), Duration.ofSeconds(30), 5, Duration.ofSeconds(60),
                    Duration.ofSeconds(30));
        }
    }

    public RestartPolicy(Settings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    /**
     * A role that started at {@code startedNanos} died at {@code diedNanos}: returns the delay before restarting it,
     * or -1 if the storm limit forbids a restart now.
     */
    public long onExit(long startedNanos, long diedNanos) {
        if (diedNanos - startedNanos >= settings.stableAfter().toNanos()) {
            failuresInARow = 0;
        }
        long window = settings.stormWindow().toNanos();
        while (!recentRestarts.isEmpty() && diedNanos - recentRestarts.peekFirst() > window) {
            recentRestarts.removeFirst();
        }
        if (recentRestarts.size() >= settings.stormLimit()) {
            return -1;
        }
        long base = settings.backoffInitial().toNanos();
        long max = settings.backoffMax().toNanos();
        long delay = failuresInARow >= 62 ? max : Math.min(max, base << Math.min(failuresInARow, 40));
        if (delay < 0) {
            delay = max;
        }
        failuresInARow++;
        // +-20% jitter, so roles that died together do not come back in lockstep
        double jitter = 0.8 + 0.4 * random.nextDouble();
        long jittered = Math.min(max, (long) (delay * jitter));
        recentRestarts.addLast(diedNanos + jittered);
        return jittered;
    }

    /** A manual restart (teefs restart) clears the history: the user asked for it. */
    public void reset() {
        recentRestarts.clear();
        failuresInARow = 0;
    }

    public int restartsInWindow() {
        return recentRestarts.size();
    }
}
