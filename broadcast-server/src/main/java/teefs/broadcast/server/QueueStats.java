package teefs.broadcast.server;

import java.nio.file.Path;

import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * Counts records between two indexes (across cycles) for lag figures, through a Chronicle instance of its own on
 * the queue directory (JournalQueue does not expose counting). Also lists the queue's cycle files for retention.
 *
 * <p>Thread-safety: every method is synchronised; calls are rare (status requests, retention passes).
 */
public final class QueueStats implements AutoCloseable {
    private final SingleChronicleQueue chronicle;

    public QueueStats(Path dir) {
        // same roll cycle as teefs.queue.JournalQueue
        this.chronicle = SingleChronicleQueueBuilder.single(dir.toFile()).rollCycle(RollCycles.FAST_HOURLY).build();
    }

    /** Records strictly after {@code from} up to and including {@code to}; 0 when from >= to. */
    public synchronized long countAfter(long from, long to) {
        if (to < 0 || from >= to) {
            return 0;
        }
        long first = chronicle.firstIndex();
        if (from < first) {
            return chronicle.countExcerpts(first, to) + 1;
        }
        // countExcerpts counts [from, to)
        return chronicle.countExcerpts(from, to);
    }

    public synchronized long lastIndex() {
        return chronicle.lastIndex();
    }

    public synchronized long firstIndex() {
        long first = chronicle.firstIndex();
        return first == Long.MAX_VALUE ? -1 : first;
    }

    /** Forgets deleted cycle files (after retention removed some). */
    public synchronized void refresh() {
        chronicle.refreshDirectoryListing();
    }

    @Override
    public synchronized void close() {
        chronicle.close();
    }
}
