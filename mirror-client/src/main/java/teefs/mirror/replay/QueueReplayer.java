package teefs.mirror.replay;

import java.io.PrintStream;
import java.util.function.LongSupplier;

import org.agrona.DirectBuffer;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.apply.ApplyException;
import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordType;
import teefs.queue.JournalQueue;
import teefs.queue.JournalReader;
import teefs.queue.QueueIndexes;
import teefs.queue.RecordConsumer;

/**
 * Replays a range of a {@link JournalQueue} onto TARGET through an {@link ApplyEngine}.
 *
 * <p>Starting anywhere but the first record does not need the whole history: the handle table is rebuilt by
 * reading (not applying) from the nearest CHECKPOINT at or before the start index, which journal-fs writes when it
 * starts and at the start of every queue cycle; the search goes back one cycle at a time. With no CHECKPOINT before
 * the start, the table is rebuilt from the first retained record.
 *
 * <p>Prints progress to the given stream every {@link #progressEvery} on long replays.
 *
 * <p>Not thread-safe: one thread runs a replayer, and owns its engine while it runs.
 */
public final class QueueReplayer {
    public static final long DEFAULT_PROGRESS_NANOS = 5_000_000_000L;

    private final JournalQueue queue;
    private final ApplyEngine engine;
    private final PrintStream progress;
    private final LongSupplier nanoClock;
    private final RecordDecoder decoder = new RecordDecoder();
    private final RecordConsumer applier = this::applyRecord;
    private final RecordConsumer tracker = this::trackRecord;
    private final RecordConsumer checkpointFinder = this::findCheckpoint;
    private long progressNanos = DEFAULT_PROGRESS_NANOS;

    // state of the current pass
    private long limit;
    private boolean passDone;
    private long lastIndex;
    private long applied;
    private long lastCheckpoint;

    /**
     * @param progress  where progress lines go (stderr for the CLI), or null for none
     */
    public QueueReplayer(JournalQueue queue, ApplyEngine engine, PrintStream progress) {
        this(queue, engine, progress, System::nanoTime);
    }

    public QueueReplayer(JournalQueue queue, ApplyEngine engine, PrintStream progress, LongSupplier nanoClock) {
        this.queue = queue;
        this.engine = engine;
        this.progress = progress;
        this.nanoClock = nanoClock;
    }

    /** Interval between progress lines. */
    public QueueReplayer progressEvery(long nanos) {
        this.progressNanos = nanos;
        return this;
    }

    /**
     * Applies the records from {@code from} to {@code until}, both inclusive, or to the last record present.
     *
     * @param from  first index to apply, or -1 for the first retained record
     * @param until last index to apply, or {@link Long#MAX_VALUE} for the end of the queue as it is now
     * @return the index of the last record applied, or -1 when none was
     * @throws IllegalArgumentException when {@code from} is not a record of this queue
     * @throws ApplyException           when a record cannot be applied (nothing after it is applied)
     */
    public long replay(long from, long until) {
        long first = queue.firstIndex();
        if (first < 0) {
            return -1;
        }
        long start = from < 0 ? first : from;
        lastIndex = -1;
        try (JournalReader reader = queue.reader()) {
            if (start < first || !reader.seekTo(start)) {
                throw new IllegalArgumentException("index " + start + " (0x" + Long.toHexString(start)
                        + ") is not a record of " + queue + "; it holds " + first + " to " + queue.lastIndex()
                        + " (use 'teefs dump' to list indexes)");
            }
            if (start != first) {
                rebuildHandles(reader, first, start);
            }
            if (!reader.seekTo(start)) {
                throw new IllegalStateException("index " + start + " vanished from " + queue + " during the replay");
            }
            return applyRange(reader, until);
        }
    }

    private long applyRange(JournalReader reader, long until) {
        limit = until;
        passDone = false;
        applied = 0;
        long started = nanoClock.getAsLong();
        long nextReport = started + progressNanos;
        while (!passDone && reader.readNext(applier)) {
            long now = nanoClock.getAsLong();
            if (progress != null && now >= nextReport) {
                nextReport = now + progressNanos;
                double secs = (now - started) / 1e9;
                progress.printf("replay: %d records applied, at index %d of %d (%.0f records/s)%n",
                        applied, lastIndex, queue.lastIndex(), applied / Math.max(secs, 1e-9));
            }
        }
        return lastIndex;
    }

    /**
     * The index of the last record the current or last {@link #replay} applied, or -1: after an
     * {@link ApplyException}, where a resumed replay must start again (that index + 1).
     */
    public long lastAppliedIndex() {
        return lastIndex;
    }

    private void applyRecord(long index, DirectBuffer buffer, int offset, int length) {
        if (index > limit) {
            passDone = true;
            return;
        }
        engine.apply(index, buffer, offset, length);
        lastIndex = index;
        applied++;
    }

    /**
     * Rebuilds the engine's handle table as it was right before {@code start}: finds the nearest CHECKPOINT at or
     * before it, cycle by cycle backwards, then tracks the records from there up to {@code start}.
     */
    private void rebuildHandles(JournalReader reader, long first, long start) {
        // both passes below look at CHECKPOINTs and handle changes only: no WRITE data is read
        reader.handlesOnlyBefore(start);
        try {
            rebuildHandlesFromCheckpoint(reader, first, start);
        } finally {
            reader.handlesOnlyBefore(0);
        }
    }

    private void rebuildHandlesFromCheckpoint(JournalReader reader, long first, long start) {
        long from = first;
        for (int cycle = queue.cycleOf(start); cycle >= queue.cycleOf(first); cycle--) {
            long checkpoint = lastCheckpointIn(reader, cycleStart(cycle, first), start);
            if (checkpoint >= 0) {
                from = checkpoint;
                break;
            }
        }
        if (from == start) {
            return; // the start record is itself the checkpoint: applying it binds what it lists
        }
        engine.restoreHandles(java.util.Map.of());
        if (!reader.seekTo(from)) {
            throw new IllegalStateException("index " + from + " vanished from " + queue + " during the replay");
        }
        limit = start - 1;
        passDone = false;
        while (!passDone && reader.readNext(tracker)) {
            // tracker does the work
        }
        engine.openTrackedHandles();
    }

    /** The last CHECKPOINT index in [cycleFirst, start] of one cycle, or -1. */
    private long lastCheckpointIn(JournalReader reader, long cycleFirst, long start) {
        if (cycleFirst < 0 || !reader.seekTo(cycleFirst)) {
            return -1;
        }
        limit = start;
        passDone = false;
        lastCheckpoint = -1;
        int cycle = queue.cycleOf(cycleFirst);
        while (!passDone && reader.readNext(checkpointFinder)) {
            if (queue.cycleOf(reader.index()) != cycle) {
                break;
            }
        }
        return lastCheckpoint;
    }

    /** The first index of {@code cycle} to read from, or -1 when the index layout is not the one expected. */
    private long cycleStart(int cycle, long first) {
        if (queue.cycleOf(first) == cycle) {
            return first;
        }
        long index = QueueIndexes.firstOf(cycle);
        // checked against the queue itself: a layout it does not share falls back to a scan from the first record
        return queue.cycleOf(index) == cycle ? index : -1;
    }

    private void findCheckpoint(long index, DirectBuffer buffer, int offset, int length) {
        if (index > limit) {
            passDone = true;
            return;
        }
        if (RecordType.fromCode(buffer.getByte(offset + teefs.protocol.RecordHeader.TYPE_OFFSET) & 0xFF)
                == RecordType.CHECKPOINT) {
            decode(index, buffer, offset, length);
            // a restatement's continuation records (very many handles) do not reset: start only where one begins
            if ((decoder.checkpointFlags() & RecordDecoder.CHECKPOINT_RESET) != 0) {
                lastCheckpoint = index;
            }
        }
    }

    private void trackRecord(long index, DirectBuffer buffer, int offset, int length) {
        if (index > limit) {
            passDone = true;
            return;
        }
        decode(index, buffer, offset, length);
        try {
            engine.track(decoder);
        } catch (RuntimeException e) {
            throw new ApplyException(index, decoder.type().name(), null,
                    "cannot rebuild the handle table: " + e.getMessage(), 0, e);
        }
    }

    private void decode(long index, DirectBuffer buffer, int offset, int length) {
        try {
            decoder.wrap(buffer, offset, length);
        } catch (MalformedRecordException e) {
            throw new ApplyException(index, null, null, "malformed record: " + e.getMessage()
                    + "; the journal is corrupt", 0, e);
        }
    }
}
