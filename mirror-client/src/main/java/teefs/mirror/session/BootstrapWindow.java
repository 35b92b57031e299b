package teefs.mirror.session;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bootstrap window a mirror is applying: the records whose index is up to {@code end} (the server's head right
 * after the bootstrap's last copy) met a TARGET copied from a source that kept changing, and are applied with repairs
 * ({@link WindowRepair}). Saved with the position, so a mirror that restarts inside the window still repairs.
 *
 * @param end    the last index of the window proper (every RENAME and LINK up to it copies its destination again)
 * @param source what the bootstrap copied: STORE's absolute path, or an rsync URL of it
 * @param marks  paths copied again by a repair → the server's head index right after that copy: a RENAME or LINK
 *               from such a path (or from under or above it) up to that index copies its destination again too
 */
public record BootstrapWindow(long end, String source, Map<String, Long> marks) {
    public BootstrapWindow {
        if (source == null || source.isEmpty()) {
            throw new IllegalArgumentException("a bootstrap window needs the source to repair from");
        }
        marks = Collections.unmodifiableMap(new TreeMap<>(marks));
    }
}
