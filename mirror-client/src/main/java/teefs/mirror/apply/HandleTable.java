package teefs.mirror.apply;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import org.agrona.collections.Int2ObjectHashMap;

import teefs.posix.Posix;

/**
 * The open-file handles of the journal session being replayed: handle → the path it was bound to (kept current
 * through renames) and the descriptor the mirror opened on that path when it was bound. Writes go to the descriptor,
 * so a later rename or unlink of the path behaves as it did on the source.
 *
 * <p>A binding may have no descriptor ({@code fd == -1}) when its path did not exist in TARGET when it was bound
 * (a replayed overlap, where a later record had already removed or moved it); writes to it are no-ops, and a rename
 * onto a live name reopens it.
 *
 * <p>Not thread-safe: owned by one apply engine. Lookups by handle do not allocate.
 */
public final class HandleTable implements AutoCloseable {
    /** One bound handle. Mutable: the engine updates path and descriptor in place. */
    public static final class Binding {
        final int handle;
        String path;
        int fd;

        Binding(int handle, String path, int fd) {
            this.handle = handle;
            this.path = path;
            this.fd = fd;
        }

        public int handle() {
            return handle;
        }

        public String path() {
            return path;
        }

        /** The descriptor open on the file, or -1 when there is none. */
        public int fd() {
            return fd;
        }
    }

    private final Int2ObjectHashMap<Binding> bindings = new Int2ObjectHashMap<>();

    /** The binding of {@code handle}, or null. */
    public Binding get(int handle) {
        return bindings.get(handle);
    }

    /** Binds {@code handle} to {@code path} and {@code fd}, closing the descriptor of a previous binding. */
    public void bind(int handle, String path, int fd) {
        Binding old = bindings.get(handle);
        if (old != null) {
            closeFd(old);
            old.path = path;
            old.fd = fd;
        } else {
            bindings.put(handle, new Binding(handle, path, fd));
        }
    }

    /** Forgets {@code handle} and closes its descriptor; a handle not bound is ignored (a replayed RELEASE). */
    public void release(int handle) {
        Binding old = bindings.remove(handle);
        if (old != null) {
            closeFd(old);
        }
    }

    /** Forgets every handle (a CHECKPOINT with RESET: a new journal session). */
    public void clear() {
        for (Binding b : bindings.values()) {
            closeFd(b);
        }
        bindings.clear();
    }

    /**
     * Forgets every binding that {@code listed} (handle → path) does not hold exactly, closing its descriptor; the
     * others keep theirs. With a bind of each listed entry after it, the same table as {@link #clear} then binding
     * them, without reopening the files of bindings that did not change: a bound path is always the name of the
     * file its descriptor is open on (renames move bindings, and journal-fs renames an unlinked open file aside).
     */
    public void retainOnly(Map<Integer, String> listed) {
        for (Iterator<Binding> it = bindings.values().iterator(); it.hasNext(); ) {
            Binding b = it.next();
            if (!b.path.equals(listed.get(b.handle))) {
                closeFd(b);
                it.remove();
            }
        }
    }

    /**
     * Moves every binding whose path is {@code from} or lies under it to the same place under {@code to}.
     *
     * @param moved receives the bindings that moved (so the caller can reopen those without a descriptor)
     */
    public void renamed(String from, String to, java.util.List<Binding> moved) {
        for (Binding b : bindings.values()) {
            String p = b.path;
            if (p.equals(from)) {
                b.path = to;
                moved.add(b);
            } else if (p.length() > from.length() && p.startsWith(from) && p.charAt(from.length()) == '/') {
                b.path = to + p.substring(from.length());
                moved.add(b);
            }
        }
    }

    /** Adds to {@code out} every binding whose path is exactly {@code path}. */
    public void boundTo(String path, java.util.List<Binding> out) {
        for (Binding b : bindings.values()) {
            if (b.path.equals(path)) {
                out.add(b);
            }
        }
    }

    /** Swaps the bindings under {@code a} and {@code b} (RENAME_EXCHANGE). */
    public void exchanged(String a, String b, java.util.List<Binding> moved) {
        String marker = "\0exchange\0";
        renamed(a, marker, moved);
        renamed(b, a, moved);
        renamed(marker, b, moved);
    }

    /** Snapshot of handle → path, sorted by handle: what an exact resume needs besides the applied index. */
    public Map<Integer, String> snapshot() {
        Map<Integer, String> copy = new TreeMap<>();
        for (Binding b : bindings.values()) {
            copy.put(b.handle, b.path);
        }
        return copy;
    }

    public int size() {
        return bindings.size();
    }

    private static void closeFd(Binding b) {
        if (b.fd >= 0) {
            Posix.LIBC.close(b.fd);
            b.fd = -1;
        }
    }

    @Override
    public void close() {
        clear();
    }
}
