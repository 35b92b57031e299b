package teefs.mirror.session;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a mirror must remember to resume exactly (DESIGN invariant 3): the queue its position belongs to, the last
 * index applied and made durable on TARGET, and the journal's open handles at that index.
 *
 * <p>{@code trackFrom} is set only right after a bootstrap, before the first record is applied: the stream then
 * starts at that index (the CHECKPOINT opening the head's queue cycle), and records up to {@code lastApplied} are
 * only read to rebuild the handle table, never applied.
 *
 * @param queueId     the queue id (UUID text) the indexes belong to
 * @param lastApplied the last index applied and durable on TARGET, or -1 when none (stream from the oldest)
 * @param trackFrom   first index to read for handles only, or -1 when the handle table below is complete
 * @param handles     handle → path as the apply engine had them right after {@code lastApplied}
 * @param window      the bootstrap window still being applied, or null (none, or applied entirely)
 * @param target      the directory the position was saved for, or null (a state saved before teefs noted it)
 */
public record MirrorState(String queueId, long lastApplied, long trackFrom, Map<Integer, String> handles,
                          BootstrapWindow window, TargetIdentity target) {
    public static final long NONE = -1;

    /** A state that names no directory (tests; states of older teefs). */
    public MirrorState(String queueId, long lastApplied, long trackFrom, Map<Integer, String> handles,
                       BootstrapWindow window) {
        this(queueId, lastApplied, trackFrom, handles, window, null);
    }

    /** A state outside any bootstrap window. */
    public MirrorState(String queueId, long lastApplied, long trackFrom, Map<Integer, String> handles) {
        this(queueId, lastApplied, trackFrom, handles, null, null);
    }

    public MirrorState {
        if (queueId == null || queueId.isEmpty()) {
            throw new IllegalArgumentException("a mirror state needs the queue id its index belongs to");
        }
        if (trackFrom != NONE && lastApplied != NONE && trackFrom > lastApplied + 1) {
            throw new IllegalArgumentException("trackFrom " + trackFrom + " is after lastApplied " + lastApplied);
        }
        handles = java.util.Collections.unmodifiableMap(new TreeMap<>(handles));
    }

    /** The state after applying up to {@code index}, with the engine's handles then; tracking and any window over. */
    public MirrorState applied(long index, Map<Integer, String> handlesNow) {
        return applied(index, handlesNow, null);
    }

    /** The state after applying up to {@code index}, inside bootstrap window {@code windowNow} (or null). */
    public MirrorState applied(long index, Map<Integer, String> handlesNow, BootstrapWindow windowNow) {
        return new MirrorState(queueId, index, NONE, handlesNow, windowNow, target);
    }

    /** This state, saved for directory {@code now}. */
    public MirrorState withTarget(TargetIdentity now) {
        return new MirrorState(queueId, lastApplied, trackFrom, handles, window, now);
    }

    /** Whether records must be read (not applied) before the first record to apply. */
    public boolean tracking() {
        return trackFrom != NONE;
    }
}
