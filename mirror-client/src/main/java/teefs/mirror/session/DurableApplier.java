package teefs.mirror.session;

import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

import org.agrona.DirectBuffer;

import teefs.broadcast.client.ClientOptions;
import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.apply.ApplyException;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.Posix;
import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;
import teefs.queue.QueueIndexes;

/**
 * The apply engine plus the bookkeeping that makes resume exact: which index was applied last, when TARGET was last
 * made durable, and the saved {@link MirrorState} that always describes durable data only.
 *
 * <p>Order of a flush: {@code syncfs(TARGET)} (unless {@link SyncMode#NONE}), then the state (index and handle table
 * of that same moment) saved atomically. A crash before the save resumes from the previous state and re-applies
 * records that are already there, which is harmless, with one exception the engine cannot make idempotent: a
 * RENAME_EXCHANGE applied twice swaps back. So an exchange is bracketed by flushes: everything before it is durable
 * and saved first, and its own index is saved right after it.
 *
 * <p>Inside a bootstrap window ({@link MirrorState#window()}), the engine reports renames and links to a
 * {@link WindowRepair}, and the window is saved with each position until no record after it needs a repair.
 *
 * <p>With {@code --sync batch} the periodic flush runs on a thread of its own ({@link BackgroundFlush}): syncfs can
 * take most of a second on a busy disk, and the records arriving meanwhile are applied instead of waiting.
 *
 * <p>Not thread-safe: the mirror thread creates it, calls every method and closes it; it owns the engine.
 */
final class DurableApplier implements AutoCloseable {
    private final ApplyEngine engine;
    private final TargetSync targetSync;
    /** The periodic flush with {@code --sync batch}; null otherwise. */
    private final BackgroundFlush background;
    private final StateStore store;
    private final SyncMode sync;
    private final LongSupplier nanoClock;
    private final RecordDecoder decoder = new RecordDecoder();
    private final StateLog log;

    /** How often the mirror thread looks whether a flush in flight ended, while idle. */
    private static final long IN_FLIGHT_POLL_NANOS = 10_000_000L;

    private WindowRepair repair;
    private MirrorState saved;
    /** {@link ApplyEngine#writesWithoutFile} when last told on the log. */
    private long writesWithoutFileTold;
    private long applied;
    private boolean tracking;
    private boolean dirty;
    private long dirtySinceNanos;

    DurableApplier(Path target, StateStore store, SyncMode sync, MirrorState start, LongSupplier nanoClock) {
        this(target, store, sync, start, nanoClock, null, null);
    }

    /**
     * Opens TARGET and restores the handle table of {@code start} (or prepares to rebuild it by tracking).
     *
     * @param repair the repair of {@code start}'s bootstrap window, or null when it has none
     * @param log    where the end of the window is told (null: nowhere)
     * @throws teefs.mirror.apply.TargetUnavailableException when TARGET is missing
     */
    DurableApplier(Path target, StateStore store, SyncMode sync, MirrorState start, LongSupplier nanoClock,
                   WindowRepair repair, StateLog log) {
        this.store = store;
        this.log = log;
        this.sync = sync;
        this.nanoClock = nanoClock;
        this.applied = start.lastApplied();
        this.tracking = start.tracking();
        ApplyEngine e = ApplyEngine.open(target);
        TargetSync s = null;
        try {
            TargetIdentity here = TargetIdentity.of(target);
            if (start.target() != null && !start.target().sameDirectory(here)) {
                throw new TargetUnavailableException(null, "the target directory " + target + " is not"
                        + " the one this mirror's position was saved for (that was " + start.target() + "; this is "
                        + here + "). If its drive is not mounted, mount it: the mirror goes on by itself. If it is a"
                        + " new or replaced drive, stop the mirror and run it with --bootstrap --source STORE",
                        Posix.ENODEV);
            }
            // a state of a teefs that did not note the directory: this one, from the next save on
            this.saved = start.target() == null ? start.withTarget(here) : start;
            s = new TargetSync(target);
            if (!tracking) {
                e.restoreHandles(start.handles());
            }
        } catch (RuntimeException ex) {
            if (s != null) {
                s.close();
            }
            e.close();
            throw ex;
        }
        this.engine = e;
        this.targetSync = s;
        this.background = sync == SyncMode.BATCH ? new BackgroundFlush(s, store) : null;
        if (repair != null) {
            this.repair = repair;
            e.repairWith(repair);
            if (tracking || start.lastApplied() == MirrorState.NONE) {
                // straight from the bootstrap (no position saved since): every record of the window comes through
                // here, and the head it streams from was journaled before the copy began
                repair.appliesFromStart(tracking ? start.lastApplied() + 1 : MirrorState.NONE);
            }
            // even when closed after the applied index (a restart right at the window's end): the audit may not have
            // run, and runs after the next record
        }
    }

    /** Sets where the server should start streaming so that nothing is skipped nor applied twice. */
    void startPosition(ClientOptions options) {
        if (tracking) {
            // up to the applied index the stream only rebuilds handles: the server leaves out the rest (their data)
            options.startAt(saved.trackFrom()).handlesOnlyBefore(saved.lastApplied() + 1);
        } else if (applied < 0) {
            options.fromOldest();
        } else {
            options.resumeAfter(applied);
        }
    }

    /** The index the stream should continue after, for log lines: -1 before the first record. */
    long applied() {
        return applied;
    }

    boolean tracking() {
        return tracking;
    }

    MirrorState saved() {
        return saved;
    }

    /**
     * Applies one record from the stream (or, right after a bootstrap, reads it for its handles only).
     *
     * @throws ApplyException      when it cannot be applied or trusted; nothing after it is applied
     * @throws StreamGapException when records before it, in its queue cycle, were not delivered
     */
    void accept(long index, DirectBuffer buffer, int offset, int length) {
        if (tracking) {
            if (index <= saved.lastApplied()) {
                track(index, buffer, offset, length);
                return;
            }
            engine.openTrackedHandles();
            tracking = false;
        }
        if (index <= applied) {
            return; // delivered again (an overlap after a reconnect): already applied in this process
        }
        if (index != applied + 1 && applied >= 0 && QueueIndexes.cycle(index) == QueueIndexes.cycle(applied)) {
            throw new StreamGapException(applied, index);
        }
        boolean exchange = isExchange(buffer, offset, length);
        if (exchange) {
            flush();
        }
        engine.apply(index, buffer, offset, length);
        applied = index;
        if (repair != null) {
            repair.recordApplied(index, RecordType.fromCode(buffer.getByte(offset + RecordHeader.TYPE_OFFSET) & 0xFF));
            if (repair.closedAfter(applied)) {
                // past the window and its marks (asking the server for the head after the last repair, once): the
                // audit and the close come now, not at the next flush
                closeWindowOnceAudited();
            }
        }
        markDirty();
        if (exchange || sync == SyncMode.ALWAYS) {
            flush();
        }
    }

    private void track(long index, DirectBuffer buffer, int offset, int length) {
        try {
            decoder.wrap(buffer, offset, length);
            engine.track(decoder);
        } catch (MalformedRecordException e) {
            throw new ApplyException(index, null, null, "malformed record: " + e.getMessage(), 0, e);
        } catch (ApplyException e) {
            throw e.index() == ApplyException.NO_INDEX ? e.at(index, decoder.type().name()) : e;
        }
    }

    private static boolean isExchange(DirectBuffer buffer, int offset, int length) {
        return length >= RecordHeader.LENGTH + 4
                && (buffer.getByte(offset + RecordHeader.TYPE_OFFSET) & 0xFF) == RecordType.RENAME.code()
                && buffer.getInt(offset + RecordHeader.LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN)
                == Posix.RENAME_EXCHANGE;
    }

    /**
     * Whether the periodic flush ({@link #flushInBackground}) has work: applied records have waited
     * {@code batchNanos} or more (and no flush is in flight), or a flush in flight has ended.
     */
    boolean flushDue(long batchNanos) {
        if (background != null && background.busy()) {
            return background.done();
        }
        return dirty && nanoClock.getAsLong() - dirtySinceNanos >= batchNanos;
    }

    /** Nanoseconds until {@link #flushDue} may turn true, or {@code Long.MAX_VALUE} when nothing waits. */
    long nanosUntilFlush(long batchNanos) {
        if (background != null && background.busy()) {
            return background.done() ? 0 : IN_FLIGHT_POLL_NANOS;
        }
        return dirty ? Math.max(0, dirtySinceNanos + batchNanos - nanoClock.getAsLong()) : Long.MAX_VALUE;
    }

    /**
     * Makes everything applied durable and saves the position, on the calling thread (after any flush in flight
     * ended); returns the saved index (-1 when none yet).
     *
     * @throws teefs.mirror.apply.TargetUnavailableException when syncfs fails
     * @throws StateStoreException                         when the state cannot be written
     */
    long flush() {
        if (background != null) {
            collectFlush(true);
        }
        if (dirty) {
            MirrorState next = nextState();
            if (sync != SyncMode.NONE) {
                targetSync.sync();
            }
            store.save(next, sync != SyncMode.NONE);
            saved = next;
        }
        return saved.lastApplied();
    }

    /**
     * The periodic flush: with {@code --sync batch}, collects the flush in flight if it ended and starts the next one
     * on the {@link BackgroundFlush} thread, so that applying goes on during syncfs; otherwise {@link #flush}.
     * Returns the index saved durably so far (-1 when none yet), which may lag behind what was applied.
     *
     * @throws teefs.mirror.apply.TargetUnavailableException when the last flush's syncfs failed
     * @throws StateStoreException                         when its state could not be written
     */
    long flushInBackground() {
        if (background == null) {
            return flush();
        }
        collectFlush(false);
        if (dirty && !background.busy()) {
            background.start(nextState());
        }
        return saved.lastApplied();
    }

    private void markDirty() {
        if (!dirty) {
            dirty = true;
            dirtySinceNanos = nanoClock.getAsLong();
        }
    }

    /**
     * The outcome of the background flush: the state it saved becomes the saved one; when it failed, what it covered
     * is still to be made durable. {@code wait}: until the flush in flight ends, else only if it has.
     */
    private void collectFlush(boolean wait) {
        try {
            MirrorState done = wait ? background.await() : background.finished();
            if (done != null) {
                saved = done;
            }
        } catch (RuntimeException e) {
            markDirty();
            throw e;
        }
    }

    /**
     * The state after the applied record, with the handles and the bootstrap window of this moment; what is applied
     * from here on counts as not flushed.
     */
    private MirrorState nextState() {
        engine.checkTarget(); // never a position for records applied into a drive unmounted meanwhile
        BootstrapWindow window = repair == null ? null : repair.window(applied);
        while (repair != null && window == null && !closeWindowOnceAudited()) {
            window = repair.window(applied); // the audit's copies keep it open, unless nothing came meanwhile
        }
        dirty = false;
        tellWritesWithoutFile();
        return saved.applied(applied, engine.handles(), window);
    }

    /**
     * Says, once per flush at most, that writes found no file: harmless where a later record already took the file
     * away (records applied again over a newer state of TARGET), a sign of a TARGET changed behind the mirror's back
     * otherwise. Silence would hide the second.
     */
    private void tellWritesWithoutFile() {
        long now = engine.writesWithoutFile();
        if (now > writesWithoutFileTold && log != null) {
            long n = now - writesWithoutFileTold;
            log.line(n + (n == 1 ? " write" : " writes") + " up to index " + applied + " found no file on TARGET to"
                    + " land in (the file's name was absent when its handle was bound). Expected for records applied"
                    + " over a newer state of TARGET (after a restart, a pause or a bootstrap), whose file a later"
                    + " record had already removed or moved; otherwise TARGET was changed by something other than"
                    + " this mirror: check with teefs verify");
        }
        writesWithoutFileTold = now;
    }

    /**
     * Closes the window unless the audit of TARGET's hard-link groups (run once, here) copied names again: their marks
     * keep it open until the records journaled meanwhile are applied. True when closed.
     */
    private boolean closeWindowOnceAudited() {
        List<String> copied = repair.auditLinkGroups(applied);
        if (copied.isEmpty()) {
            closeWindow();
            return true;
        }
        copied.forEach(engine::reopenHandlesAt);
        return false;
    }

    /** No record after the applied one needs a repair: the engine applies as outside any window from here. */
    private void closeWindow() {
        engine.repairWith(null);
        if (log != null) {
            log.line("bootstrap window applied (index " + repair.end() + " and the repairs' marks): "
                    + repair.copies() + " repair(s) copied from the source; applying as usual from index "
                    + (applied + 1));
        }
        repair = null;
    }

    @Override
    public void close() {
        if (background != null) {
            background.close();
        }
        try {
            targetSync.close();
        } finally {
            engine.close();
        }
    }
}
