package teefs.mirror.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTlsException;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.client.StatusClient;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.RealPath;
import teefs.protocol.control.StatusReply;
import teefs.queue.QueueIndexes;

/**
 * Makes a mirror from nothing (or from a drive that fell out of the journal's retention, or a replaced one):
 * <ol>
 *   <li>asks the server for its queue id and head index H;</li>
 *   <li>forgets any saved position (a crash from here on leaves no position: the next start must bootstrap);</li>
 *   <li>copies SOURCE (STORE, or an rsync URL of it) onto TARGET with {@code rsync -aHAX --inplace --delete},
 *       showing rsync's progress, again while files vanish during a copy (renamed after rsync listed them: their
 *       data would be under neither name, and the journal after H holds only the rename);</li>
 *   <li>asks the server for its head index again: E, the end of the bootstrap window;</li>
 *   <li>restates the directories' times when the last copy saw files vanish (rsync then leaves them unset);</li>
 *   <li>makes the copy durable (syncfs of TARGET, unless {@code --sync none}): the position saved next says the copy
 *       is there, and must not outlive it in a power cut;</li>
 *   <li>saves a position that streams from H: the records from the start of H's queue cycle (a CHECKPOINT) up to H
 *       are read for the open-file handles only, the records from H on are applied; and the window [H, E] with
 *       SOURCE, so that the records of the window are applied with repairs, even after a restart.</li>
 * </ol>
 * Writes that land during the copy are in the journal after H, so replaying them afterwards ends right (replay is
 * idempotent, the overlap is harmless). Renames and links that land during the copy are not, without the repairs:
 * the copy is fuzzy (see {@link WindowRepair}).
 *
 * <p>Runs on the mirror thread, before the {@link Mirror} starts.
 */
public final class Bootstrapper {
    /**
     * rsync's exit code 23 = partial transfer: among other things, a file truncated by a writer while rsync read it
     * ("read errors mapping ... No data available"). Copied again like a vanished file (24), but if the last pass
     * still says 23 the bootstrap fails: unlike a vanished file, this can be a real error (an unreadable file, a full
     * target).
     */
    private static final int RSYNC_PARTIAL = SourceCopy.PARTIAL;
    /** Copies attempted while files vanish under rsync. */
    private static final int MAX_PASSES = 10;

    private final MirrorOptions options;
    private final SourceCopy source;
    private final StateLog log;
    private final BooleanSupplier stopRequested;

    public Bootstrapper(MirrorOptions options, String source, StateLog log, BooleanSupplier stopRequested) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("--bootstrap needs --source STORE (a directory, or an rsync URL such"
                    + " as host:/srv/store or rsync://host/module)");
        }
        if (SourceCopy.isLocal(source)) {
            if (!Files.isDirectory(Path.of(source))) {
                // rsync would fail on it ten times over, each "code 23", before saying so
                throw new IllegalArgumentException("--source " + source + " is not a directory: give the journal's"
                        + " STORE (or an rsync URL such as host:/srv/store), mounted");
            }
            // rsync --delete of a tree into one that holds it deletes the rest of the target, the source's own
            // directory included; into one inside it, it copies the copy again
            Path from = RealPath.asFarAsItExists(Path.of(source));
            Path into = RealPath.asFarAsItExists(options.target());
            if (into.startsWith(from) || from.startsWith(into)) {
                throw new IllegalArgumentException("--target " + options.target() + " and --source " + source
                        + " overlap (" + into + ", " + from + "): a mirror's target must be a directory of its own,"
                        + " neither inside the tree it copies nor holding it");
            }
        }
        this.options = options;
        this.source = new SourceCopy(source, options.target(), stopRequested);
        this.log = log;
        this.stopRequested = stopRequested;
    }

    /**
     * Copies the tree and saves the position to stream from; false when a stop was requested first.
     *
     * @throws MirrorException when rsync fails or the server refuses
     */
    public boolean run() throws InterruptedException {
        if (!awaitMount()) {
            return false;
        }
        StatusReply status = status();
        if (status == null) {
            return false;
        }
        TargetDrive.refuseOwnJournal(options, status.getQueueId());
        long head = status.getHeadIndex();
        StateStore store = new StateStore(options.stateFile());
        store.delete();
        try {
            Files.createDirectories(options.target());
        } catch (IOException e) {
            throw new MirrorException(MirrorException.CONFIGURATION, "cannot create --target " + options.target()
                    + ": " + e.getMessage(), e);
        }
        log.enter(StateLog.State.BOOTSTRAPPING, "bootstrap: queue " + status.getQueueId() + " head index " + head
                + "; copying " + source.source() + " onto " + options.target() + " with rsync");
        long started = System.nanoTime();
        ApplyWarmUp.start();
        int code;
        for (int pass = 1; ; pass++) {
            code = source.copyTree();
            if (code < 0) {
                log.line("bootstrap: interrupted; run with --bootstrap again to finish the copy");
                return false;
            }
            if (code == 0) {
                break;
            }
            // A file renamed between rsync's listing and its transfer is in neither name on TARGET, and the journal
            // after H holds only the rename, not the data: copy again until a pass sees every file it listed.
            if (pass == MAX_PASSES && code == RSYNC_PARTIAL) {
                throw new MirrorException(MirrorException.CONFIGURATION, "rsync reported errors (exit 23) in each of "
                        + MAX_PASSES + " copies: fix what rsync printed above, then run with --bootstrap again", null);
            }
            if (pass == MAX_PASSES) {
                log.line("bootstrap: files kept vanishing during " + MAX_PASSES + " copies (a very busy writer);"
                        + " going on: the records of the bootstrap window repair what the last copy missed");
                break;
            }
            log.line(code == RSYNC_PARTIAL
                    ? "bootstrap: rsync reported errors during copy " + pass + " (files changing under it?); copying again"
                    : "bootstrap: some files vanished during copy " + pass + " (renamed or deleted meanwhile);"
                    + " copying again");
        }
        // Every record a copy may have seen is in the journal by now (journal-fs appends right after STORE changed,
        // under its lock): the window ends at the head from here on.
        StatusReply after = status();
        if (after == null) {
            return false;
        }
        if (!after.getQueueId().equals(status.getQueueId())) {
            throw new MirrorException(MirrorException.CONFIGURATION, "the server at " + options.address()
                    + " serves another queue (" + after.getQueueId() + ") than when the bootstrap began ("
                    + status.getQueueId() + "): run with --bootstrap again", null);
        }
        long end = after.getHeadIndex();
        // rsync sets the directories' times at the end of a pass in which no file vanished
        if (code != 0 && !restateDirectories()) {
            return false;
        }
        BootstrapWindow window = end < 0 ? null : new BootstrapWindow(end, source.source(), Map.of());
        TargetIdentity copiedInto = TargetIdentity.of(options.target());
        MirrorState state = head < 0
                ? new MirrorState(status.getQueueId(), MirrorState.NONE, MirrorState.NONE, Map.of(), window,
                        copiedInto)
                : new MirrorState(status.getQueueId(), head - 1, trackFrom(head, status.getFirstIndex(),
                        status.getRestatementIndex()), Map.of(), window, copiedInto);
        makeCopyDurable();
        store.save(state, true);
        log.line(String.format("bootstrap: copy done in %.1f s; streaming from index %d (writes made during the"
                + " copy are replayed from there%s)", (System.nanoTime() - started) / 1e9, Math.max(head, 0),
                window == null ? "" : "; up to index " + end + ", each rename and link copies its destination again"
                        + " from " + source.source()));
        return true;
    }

    /**
     * Restates every directory's times on TARGET from SOURCE: rsync leaves them unset in a copy where files
     * vanished. A local SOURCE through the apply engine ({@link DirectoryTimes}); a remote one with a pass of rsync
     * over directories only. False when a stop interrupted it.
     */
    private boolean restateDirectories() throws InterruptedException {
        if (source.local()) {
            try {
                int dirs = DirectoryTimes.restate(Path.of(source.source()), options.target());
                log.line("bootstrap: restated the times of " + dirs + " directories (rsync leaves them unset in a"
                        + " copy where files vanished)");
            } catch (java.io.IOException e) {
                throw new MirrorException(MirrorException.CONFIGURATION, "cannot read " + source.source()
                        + " to restate directory times: " + e.getMessage() + "; run with --bootstrap again", e);
            }
            return true;
        }
        for (int pass = 1; pass <= MAX_PASSES; pass++) {
            int code = source.restateDirectories();
            if (code < 0) {
                log.line("bootstrap: interrupted; run with --bootstrap again to finish the copy");
                return false;
            }
            if (code == 0) {
                log.line("bootstrap: restated the directories' times from " + source.source() + " (rsync leaves"
                        + " them unset in a copy where files vanished)");
                return true;
            }
        }
        log.line("bootstrap: directories kept vanishing while their times were restated (a very busy writer);"
                + " going on: a directory no record touches later may keep a wrong mtime. Check with 'teefs verify'"
                + " once writers pause");
        return true;
    }

    /**
     * Where to rebuild the handles open at {@code head} from: the last restatement before it that the server named
     * (journal-fs restates them every few thousand records), else the first record of the head's queue cycle (its
     * CHECKPOINT), or the oldest retained if later.
     */
    static long trackFrom(long head, long first, long restatement) {
        if (restatement > 0 && restatement <= head && restatement >= first) {
            return restatement;
        }
        long cycleStart = QueueIndexes.firstOf(QueueIndexes.cycle(head));
        return first >= 0 && first > cycleStart && first <= head ? first : cycleStart;
    }

    /**
     * syncfs(TARGET) before the position is saved: the saved state says the copy is there, and a power cut must not
     * leave a state that outlived the copy's data in the page cache. Not with {@code --sync none}, which never syncs.
     */
    private void makeCopyDurable() {
        if (options.sync() == SyncMode.NONE) {
            return;
        }
        long started = System.nanoTime();
        try (TargetSync sync = new TargetSync(options.target())) {
            sync.sync();
        } catch (TargetUnavailableException e) {
            throw new MirrorException(MirrorException.MUST_BOOTSTRAP, "the copy on " + options.target()
                    + " could not be made durable (" + e.getMessage() + "): run with --bootstrap again once the"
                    + " drive is healthy", e);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (millis >= 1000) {
            log.line("bootstrap: the copy took " + millis + " ms to reach the drive (syncfs)");
        }
    }

    /** With --needs-mount, waits (told once) until TARGET's drive is mounted; false when a stop came first. */
    private boolean awaitMount() throws InterruptedException {
        Backoff backoff = new Backoff(options.backoffInitial().toNanos(), options.pauseRetryMax().toNanos(),
                java.util.concurrent.ThreadLocalRandom.current()::nextLong);
        while (!stopRequested.getAsBoolean()) {
            try {
                TargetDrive.requireMounted(options);
                return true;
            } catch (TargetUnavailableException e) {
                log.enter(StateLog.State.PAUSED, "paused: " + e.getMessage() + " before the bootstrap copies anything");
                TimeUnit.NANOSECONDS.sleep(backoff.nextDelayNanos());
            }
        }
        return false;
    }

    private StatusReply status() throws InterruptedException {
        Backoff backoff = new Backoff(options.backoffInitial().toNanos(), options.backoffMax().toNanos(),
                java.util.concurrent.ThreadLocalRandom.current()::nextLong);
        while (!stopRequested.getAsBoolean()) {
            try {
                return StatusClient.fetch(new ClientOptions().address(options.address())
                        .credential(options.credential()).tls(options.tls()), 10_000);
            } catch (RefusedException | ClientTlsException e) {
                throw new MirrorException(MirrorException.CONFIGURATION, e.getMessage(), e);
            } catch (BroadcastClientException e) {
                log.enter(StateLog.State.RECONNECTING, "bootstrap: cannot reach the server yet: " + e.getMessage()
                        + "; retrying with backoff");
                TimeUnit.NANOSECONDS.sleep(backoff.nextDelayNanos());
            }
        }
        return null;
    }
}
