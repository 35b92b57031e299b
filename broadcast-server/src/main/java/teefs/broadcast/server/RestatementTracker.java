package teefs.broadcast.server;

import teefs.queue.JournalQueue;

/**
 * The last CHECKPOINT RESET at or before the head, for status replies (where a bootstrapping mirror starts tracking
 * handles). It remembers its last answer, so a status poll scans only the records appended since the previous poll:
 * {@code teefs up} asks every 500 ms, and a fresh backward scan of up to {@value #LOOKBACK} records through a new
 * tailer each time cost milliseconds of an event loop that also serves mirrors (seen as lag spikes).
 *
 * <p>Thread-safe (synchronised); status reports are rare.
 */
final class RestatementTracker {
    /** Records looked through, backwards from the head, for the last CHECKPOINT RESET. */
    static final int LOOKBACK = 1 << 16;

    private final JournalQueue queue;
    private long head = -1;
    private long found = -1;

    RestatementTracker(JournalQueue queue) {
        this.queue = queue;
    }

    /** The last restatement at or before {@code newHead} within {@link #LOOKBACK} records of it, or -1. */
    synchronized long at(long newHead) {
        if (newHead < 0) {
            return -1;
        }
        if (newHead == head) {
            return found;
        }
        boolean continues = head >= 0 && newHead > head && newHead - head < LOOKBACK
                && queue.cycleOf(newHead) == queue.cycleOf(head);
        long latest = queue.lastRestatementAtOrBefore(newHead, continues ? (int) (newHead - head) : LOOKBACK);
        if (latest < 0 && continues && found >= 0 && newHead - found < LOOKBACK) {
            latest = found; // none among the new records: the last one stands (indexes of one cycle are consecutive)
        }
        head = newHead;
        found = latest;
        return latest;
    }
}
