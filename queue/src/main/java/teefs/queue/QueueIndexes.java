package teefs.queue;

import net.openhft.chronicle.queue.RollCycles;

/**
 * How a journal index is made: the queue's roll cycle (an hour) and a sequence inside it. The one place that names
 * the roll cycle, for the queue and for readers that reason about indexes without opening a queue (a mirror checking
 * its stream, a bootstrap finding where the head's cycle starts). Loads no more of Chronicle than its RollCycles.
 */
public final class QueueIndexes {
    /** Queue files roll hourly: retention trims whole hours, and each cycle starts with a checkpoint. */
    static final RollCycles ROLL_CYCLE = RollCycles.FAST_HOURLY;

    private QueueIndexes() {
    }

    /** The cycle {@code index} belongs to. */
    public static int cycle(long index) {
        return ROLL_CYCLE.toCycle(index);
    }

    /** The index of the first record a cycle can hold. */
    public static long firstOf(int cycle) {
        return ROLL_CYCLE.toIndex(cycle, 0);
    }
}
