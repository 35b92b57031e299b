package teefs.mirror.apply;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import teefs.posix.Posix;

/**
 * O_PATH descriptors of the directories {@link PathGuard} walked to, by record path, the least recently used closed
 * beyond {@link #CAPACITY}. A record path names the same directory until a rename or a removal at or above it, or
 * until something other than the engine changes TARGET; the engine tells the guard, which {@link #forget}s or
 * {@link #clear}s.
 *
 * <p>Entries are only closed by {@link #trim}, {@link #forget}, {@link #clear} and {@link #close}, never while a walk
 * inserts: a descriptor handed out for the current operation stays open until the next walk begins.
 *
 * <p>Not thread-safe: owned by one guard.
 */
final class DirectoryCache implements AutoCloseable {
    /**
     * Enough for the directories a tree's writer works in at once; far below the descriptor limits a mirror runs
     * with (its own files take one each while open).
     */
    static final int CAPACITY = 256;

    private final LinkedHashMap<String, Integer> fds = new LinkedHashMap<>(CAPACITY * 2, 0.75f, true);

    /** The descriptor of {@code dir}, or -1; a hit makes it the most recently used. */
    int get(String dir) {
        Integer fd = fds.get(dir);
        return fd == null ? -1 : fd;
    }

    /** Keeps {@code fd}, now owned here, as the descriptor of {@code dir} (absent from the cache). */
    void put(String dir, int fd) {
        fds.put(dir, fd);
    }

    /** Closes the least recently used descriptors beyond {@link #CAPACITY}; called before a walk, when none is in use. */
    void trim() {
        Iterator<Integer> it = fds.values().iterator();
        for (int excess = fds.size() - CAPACITY; excess > 0 && it.hasNext(); excess--) {
            Posix.LIBC.close(it.next());
            it.remove();
        }
    }

    /** Closes and drops the descriptors of {@code path} and of every directory under it (it moved or is gone). */
    void forget(String path) {
        if (fds.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<String, Integer>> it = fds.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Integer> e = it.next();
            String dir = e.getKey();
            if (dir.startsWith(path) && (dir.length() == path.length() || dir.charAt(path.length()) == '/')) {
                Posix.LIBC.close(e.getValue());
                it.remove();
            }
        }
    }

    /** Closes and drops every descriptor. */
    void clear() {
        for (int fd : fds.values()) {
            Posix.LIBC.close(fd);
        }
        fds.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
