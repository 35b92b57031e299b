package teefs.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The files open through the mount, by handle id. Handle ids are never reused within a journal session (a session
 * starts with a CHECKPOINT RESET), so a mirror can never confuse a released handle with a new one.
 *
 * <p>Thread-safety: lookups may come from any FUSE thread; {@link #renamed} and {@link #associated} are called
 * under the journal lock, which is what keeps paths consistent with the journal order.
 */
final class HandleTable {
    private final ConcurrentHashMap<Integer, OpenFile> open = new ConcurrentHashMap<>();
    private final AtomicInteger nextHandle = new AtomicInteger(1);

    OpenFile register(int fd, String path) {
        int handle = nextHandle.getAndIncrement();
        if (handle == 0) {
            handle = nextHandle.getAndIncrement();
        }
        OpenFile file = new OpenFile(handle, fd, path);
        open.put(handle, file);
        return file;
    }

    OpenFile get(long handle) {
        return open.get((int) handle);
    }

    OpenFile remove(long handle) {
        return open.remove((int) handle);
    }

    /** Moves every open file at {@code from} or below it to the same place under {@code to}. */
    void renamed(String from, String to) {
        String prefix = from + "/";
        for (OpenFile file : open.values()) {
            String path = file.path();
            if (path.equals(from)) {
                file.moveTo(to);
            } else if (path.startsWith(prefix)) {
                file.moveTo(to + path.substring(from.length()));
            }
        }
    }

    /** The files a CHECKPOINT must restate: those the journal already names by handle. */
    List<OpenFile> associated() {
        List<OpenFile> result = new ArrayList<>();
        for (OpenFile file : open.values()) {
            if (file.associated) {
                result.add(file);
            }
        }
        result.sort((a, b) -> Integer.compare(a.handle, b.handle));
        return result;
    }

    int size() {
        return open.size();
    }
}
