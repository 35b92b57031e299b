package teefs.mirror.session;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import teefs.mirror.apply.BootstrapRepair;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.protocol.RecordType;

/**
 * Repairs TARGET while the records of a bootstrap window are applied: each RENAME and LINK copies its destination
 * again from the bootstrap source, at that moment, with rsync ({@link SourceCopy#copyPaths}).
 *
 * <h2>Why the window needs it</h2>
 * The bootstrap notes the head index H, copies SOURCE with rsync while writers go on, notes the head E right after
 * its last copy, then applies the journal from H. rsync lists a directory, then copies its entries one by one, each
 * by its name at that moment: the copy is fuzzy. What the copy got under a name is some state, between H and E, of
 * whatever file had that name when rsync reached it — or nothing, when the name vanished between listing and copy.
 * Records replayed over that copy are right for every file that kept its name: they are physical and idempotent
 * (write these bytes at that offset, truncate to that size, set that mode, that mtime), so a file that is "ahead"
 * reaches its final state once the records after its copy are applied again. They are wrong where a name does not
 * hold the file the record acts on:
 * <ul>
 *   <li>a file (or a directory, with its whole subtree) renamed X→Y after rsync listed X and before it copied X is
 *       under neither name: X vanished, Y was never listed, and the RENAME finds no source (which outside the window
 *       means "applied already");</li>
 *   <li>a LINK whose existing name vanished the same way;</li>
 *   <li>a name reused: with {@code log.1→log.2, log→log.1} done between listing and copy, TARGET's {@code log.1}
 *       holds the old {@code log}, and replaying {@code RENAME log.1→log.2} moves the wrong file to {@code log.2},
 *       which no later record rewrites. rsync reports nothing: both names existed when it copied them.</li>
 * </ul>
 * A RENAME or LINK is the only record that gives a name to a file that had another one: so after each (as applied
 * on TARGET, whatever it found) its destination is copied again from SOURCE. A LINK copies its existing name too, in
 * the same rsync run, so that the two names are one inode on TARGET when they are one on SOURCE; a later copy of any
 * name a LINK of the window named copies all of them together, for the same reason.
 *
 * <h2>Why replaying the rest over the newer copy converges</h2>
 * The copy holds Y's state at a moment T after the record (index i) was journaled, and the records between i and T
 * are applied again over it. For Y's contents and attributes this is the idempotence above: each record sets an
 * absolute value, the last one before T set what the copy holds, and records after T continue from there. For Y's
 * identity: either Y still names at T the file the record moved — the copy is that file, ahead — or a record
 * between i and T changed what Y names, and that record is applied later and settles Y again: an UNLINK removes the
 * copy, a CREATE after it makes a new file that its writes fill, another RENAME or LINK onto Y copies Y again. When
 * Y no longer exists in SOURCE, nothing is copied: TARGET keeps what the rename put there (or nothing), and the
 * record that took Y away (an UNLINK, a RENAME to Z, a RENAME of Y's directory) is still to be applied and removes
 * it or copies Z in its turn. A directory's copy brings its whole subtree, and what TARGET held under it that SOURCE
 * no longer has is deleted: each such entry was explained by a record between i and T, which now finds nothing.
 *
 * <p>One case reaches past the window: a copy taken at T may hold, under Y, a file that a record between i and T
 * renamed away (and another took its name), and that record may come after E. So each copied path is marked with
 * the server's head index right after the copy, and until that index a RENAME or LINK from a marked path, from under
 * it or from above it is repaired too, which marks its destination in turn. Marks follow a file only while the
 * mirror lags behind the copy; they are saved with the window, so a restart inside it still repairs.
 *
 * <h2>Confinement</h2>
 * Paths reach rsync only through {@link SourceCopy#copyPaths}: checked by PathGuard, and copied by rsync's own
 * recursion from SOURCE's root to TARGET's root, which follows no symlink on either side.
 *
 * <p>Not thread-safe: the mirror thread owns it (through the apply engine and the {@link DurableApplier}).
 */
final class WindowRepair implements BootstrapRepair {
    /** Copies of a path tried while rsync reports a partial transfer (a file truncated under it, say). */
    private static final int PARTIAL_ATTEMPTS = 5;
    /** Repairs logged one line each; the rest are counted in the closing line. */
    private static final int LOGGED = 20;

    private final long end;
    private final SourceCopy source;
    private final LongSupplier serverHead;
    private final StateLog log;
    /** Copied path → the server's head index right after its copy. */
    private final Map<String, Long> marks;
    /** The largest index of {@link #marks} (kept when marks are dropped): no record after it needs a repair. */
    private long marksUntil = Long.MIN_VALUE;
    /** Copied paths whose head index is not known yet: asked for only when needed (a network round trip). */
    private final Set<String> pending = new TreeSet<>();
    /** The names LINK records of the window gave (kept current through renames): copied together. */
    private final Set<String> linkedNames = new TreeSet<>();
    private long copies;
    /** Whether TARGET's hard-link groups were audited by this process (once, when the window is applied). */
    private boolean audited;
    /**
     * The last record in the journal before the copy began (the bootstrap's head H) when this process applies the
     * window from its first record; {@code Long.MIN_VALUE} when it does not know (a restart inside the window).
     */
    private long lastBeforeCopy = Long.MIN_VALUE;
    /** Whether a record of the window made a new inode (or this process did not see them all). */
    private boolean newInodes = true;

    /**
     * @param serverHead the server's head index now; throws {@link TargetUnavailableException} when it cannot tell
     */
    WindowRepair(BootstrapWindow window, SourceCopy source, LongSupplier serverHead, StateLog log) {
        this.end = window.end();
        this.source = source;
        this.serverHead = serverHead;
        this.log = log;
        this.marks = new TreeMap<>(window.marks());
        marks.values().forEach(until -> marksUntil = Math.max(marksUntil, until));
    }

    long end() {
        return end;
    }

    /**
     * This process applies the window from its start: records up to {@code lastBeforeCopy} were journaled before the
     * copy began (journal-fs appends a record after its change to STORE is made, under its lock), so the copy holds
     * their effects and they need no repair. Only the records after it are looked at by {@link #recordApplied}.
     */
    void appliesFromStart(long lastBeforeCopy) {
        this.lastBeforeCopy = lastBeforeCopy;
        this.newInodes = false;
    }

    /**
     * A record of the stream was applied: one that makes an inode (CREATE, MKNOD, MKDIR, SYMLINK) inside the window
     * means an inode number freed during the copy may have been handed out again, which the audit must then look for.
     */
    void recordApplied(long index, RecordType type) {
        if (!newInodes && inWindow(index) && makesInode(type)) {
            newInodes = true;
        }
    }

    private static boolean makesInode(RecordType type) {
        return type == RecordType.CREATE || type == RecordType.MKNOD || type == RecordType.MKDIR
                || type == RecordType.SYMLINK;
    }

    /** Whether the record at {@code index} may need a repair: inside the window, and not journaled before the copy. */
    private boolean inWindow(long index) {
        return index <= end && index > lastBeforeCopy;
    }

    /** Copies (rsync runs) made so far by this process. */
    long copies() {
        return copies;
    }

    @Override
    public boolean renamed(long index, String from, String to, boolean exchange) {
        boolean repair = inWindow(index) || marked(index, from) || exchange && marked(index, to);
        moveNames(from, to, exchange);
        if (!repair) {
            return false;
        }
        List<String> paths = new ArrayList<>(exchange ? List.of(from, to) : List.of(to));
        copy(index, exchange ? "RENAME_EXCHANGE" : "RENAME", paths);
        return true;
    }

    @Override
    public boolean linked(long index, String existing, String created) {
        if (!inWindow(index) && !marked(index, existing)) {
            return false;
        }
        linkedNames.add(existing);
        linkedNames.add(created);
        copy(index, "LINK", new ArrayList<>(List.of(existing, created)));
        return true;
    }

    /**
     * The window to save with a position after {@code applied}, or null when no record after it needs a repair.
     * Asks the server for its head when copies made since the last call are not marked yet.
     */
    BootstrapWindow window(long applied) {
        resolvePending();
        if (closedAfterResolved(applied)) {
            return null;
        }
        marks.values().removeIf(until -> until <= applied);
        return new BootstrapWindow(end, source.source(), marks);
    }

    /**
     * Whether no record after {@code applied} needs a repair: called after every record applied inside the window,
     * so it allocates nothing; asks the server for its head only when copies made since are not marked yet.
     */
    boolean closedAfter(long applied) {
        if (applied < end) {
            return false;
        }
        resolvePending();
        return closedAfterResolved(applied);
    }

    private boolean closedAfterResolved(long applied) {
        if (applied < end || applied < marksUntil) {
            return false;
        }
        marks.clear();
        return true;
    }

    /**
     * Once per process, when the window's records are applied: copies again, replacing their files, TARGET's names in
     * hard-link groups SOURCE may not have ({@link LinkGroupAudit}: rsync {@code -H} on a live tree can join two
     * groups). The copies are marked as the window's repairs are, so the window stays open until the mirror is past
     * them. Returns the names copied (empty when every group was right, or on a later call).
     *
     * @throws TargetUnavailableException when TARGET cannot be read or the copy fails (retried like a repair)
     */
    List<String> auditLinkGroups(long applied) {
        if (audited) {
            return List.of();
        }
        if (!newInodes && copies == 0) {
            // rsync -H joins two groups only when an inode number is reused while it lists the tree: a file freed
            // and another created meanwhile. No record of the copy made an inode, and no repair copied anything
            audited = true;
            log.line("bootstrap window: hard-link audit skipped: no file, directory or symlink was created while the"
                    + " tree was copied, so rsync could not meet an inode number twice");
            return List.of();
        }
        List<String> suspects;
        long started = System.nanoTime();
        LinkGroupAudit audit = new LinkGroupAudit(source.target(), source.local() ? Path.of(source.source()) : null);
        try {
            suspects = audit.suspectNames();
        } catch (IOException e) {
            throw new TargetUnavailableException(applied, "AUDIT", "", "cannot read TARGET's hard links to audit them"
                    + " after the bootstrap window: " + e.getMessage() + "; retrying", 0, e);
        }
        log.line(String.format("bootstrap window: hard-link audit of TARGET in %.1f s: %d name(s) of files with"
                + " more than one link, %d group(s) of names, %s", (System.nanoTime() - started) / 1e9,
                audit.linkedNames(), audit.groupsSeen(),
                suspects.isEmpty() ? "each one file on " + source.source()
                        : suspects.size() + " name(s) to copy again" + (source.local() ? ""
                        : " (a remote source cannot be looked at: every group is copied again)")));
        if (!suspects.isEmpty()) {
            copy(applied, "hard-link audit", new ArrayList<>(suspects), true);
        }
        audited = true;
        return suspects;
    }

    private void copy(long index, String type, List<String> paths) {
        copy(index, type, paths, false);
    }

    private void copy(long index, String type, List<String> paths, boolean replacing) {
        if (paths.stream().anyMatch(p -> linkedNames.stream().anyMatch(n -> related(p, n)))) {
            for (String n : linkedNames) {
                if (!paths.contains(n)) {
                    paths.add(n);
                }
            }
        }
        int code;
        int attempt = 0;
        try {
            do {
                code = replacing ? source.copyReplacing(paths) : source.copyPaths(paths);
            } while (code == SourceCopy.PARTIAL && ++attempt < PARTIAL_ATTEMPTS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(index, type, paths, "interrupted");
        } catch (MirrorException e) {
            throw unavailable(index, type, paths, e.getMessage());
        }
        if (code != 0 && code != SourceCopy.VANISHED) {
            throw unavailable(index, type, paths, "rsync failed with exit code " + code
                    + (code == SourceCopy.PARTIAL ? " in each of " + PARTIAL_ATTEMPTS + " copies" : "")
                    + " (see what it printed above)");
        }
        pending.addAll(paths);
        if (++copies <= LOGGED) {
            log.line("bootstrap window: " + (replacing ? "after record #" : "record #") + index + " " + type
                    + ": copied " + paths + " again from " + source.source()
                    + (copies == LOGGED ? " (further copies are counted, not shown)" : ""));
        }
    }

    private TargetUnavailableException unavailable(long index, String type, List<String> paths, String why) {
        return new TargetUnavailableException(index, type, paths.get(0), "cannot copy " + paths + " again from the"
                + " bootstrap source " + source.source() + ", as a record of the bootstrap window needs: " + why
                + "; retrying (a remote source must be reachable until the mirror has applied index " + end + ")",
                0, null);
    }

    /** Whether a copy marked until at least {@code index} is {@code path}, or under it, or above it. */
    private boolean marked(long index, String path) {
        if (!pending.isEmpty() && pending.stream().anyMatch(p -> related(p, path))) {
            resolvePending();
        }
        for (Map.Entry<String, Long> m : marks.entrySet()) {
            if (m.getValue() >= index && related(m.getKey(), path)) {
                return true;
            }
        }
        return false;
    }

    private void resolvePending() {
        if (pending.isEmpty()) {
            return;
        }
        long head = serverHead.getAsLong();
        for (String p : pending) {
            marks.merge(p, head, Math::max);
        }
        marksUntil = Math.max(marksUntil, head);
        pending.clear();
    }

    /** Moves the linked names (and anything under them) along a rename, as the engine moves handles. */
    private void moveNames(String from, String to, boolean exchange) {
        if (linkedNames.isEmpty()) {
            return;
        }
        List<String> moved = new ArrayList<>();
        List<String> swapped = new ArrayList<>();
        for (String n : linkedNames) {
            if (related(from, n) && n.length() >= from.length()) {
                moved.add(n);
            } else if (exchange && related(to, n) && n.length() >= to.length()) {
                swapped.add(n);
            }
        }
        linkedNames.removeAll(moved);
        linkedNames.removeAll(swapped);
        moved.forEach(n -> linkedNames.add(to + n.substring(from.length())));
        swapped.forEach(n -> linkedNames.add(from + n.substring(to.length())));
    }

    /** Whether one of the paths is the other or lies under it. */
    static boolean related(String a, String b) {
        String shorter = a.length() <= b.length() ? a : b;
        String longer = a.length() <= b.length() ? b : a;
        return longer.startsWith(shorter)
                && (longer.length() == shorter.length() || longer.charAt(shorter.length()) == '/');
    }
}
