package teefs.queue;

import java.util.function.LongSupplier;

import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;

/**
 * The clock Chronicle sees when it decides which cycle file the next append goes to: the wall clock, but held inside
 * the cycle the appender has made ready (see {@link SpaceReservation}).
 *
 * <p>Why: Chronicle rolls to a new cycle file at the first append after the hour changes, and creates that file then.
 * The journal reserves the space of an append before STORE changes; if the hour changed between that reservation
 * and the append, the append would create an unreserved file and could fault on a full disk after STORE changed.
 * Held, the clock moves into a new cycle only when {@link #hold} is called, which the appender does only after that
 * cycle's file is reserved. Until the first hold (and in every reader) it is the plain wall clock.
 *
 * <p>Thread-safety: {@link #hold} is called by the appending thread; any thread may read the time.
 */
final class CycleClock implements TimeProvider {
    private static final int NOT_HELD = Integer.MIN_VALUE;

    private final LongSupplier wallMillis;
    private final long cycleMillis;
    private final long epoch;
    private volatile int held = NOT_HELD;

    CycleClock(LongSupplier wallMillis, RollCycle rollCycle, long epoch) {
        this.wallMillis = wallMillis;
        this.cycleMillis = rollCycle.lengthInMillis();
        this.epoch = epoch;
    }

    /** The cycle of the wall clock, held or not. */
    int wallCycle() {
        return (int) ((wallMillis.getAsLong() - epoch) / cycleMillis);
    }

    /** The cycle Chronicle appends to from now on, until the next hold. */
    void hold(int cycle) {
        held = cycle;
    }

    /** The held cycle, or {@link Integer#MIN_VALUE} before the first {@link #hold}. */
    int held() {
        return held;
    }

    @Override
    public long currentTimeMillis() {
        long now = wallMillis.getAsLong();
        int cycle = held;
        if (cycle == NOT_HELD) {
            return now;
        }
        long start = epoch + cycle * cycleMillis;
        return Math.min(Math.max(now, start), start + cycleMillis - 1);
    }
}
