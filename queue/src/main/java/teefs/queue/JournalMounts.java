package teefs.queue;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import teefs.posix.MountInfo;

/**
 * How a journal-fs mount names the queue it journals into, and finding it again: its source (FUSE's fsname, the
 * first column of {@code mount} and {@code df}) is {@code teefs:<queue id>}, its type {@code fuse.teefs}.
 *
 * <p>A mirror or a replay that writes inside the mount of the very queue it reads would journal its own writes and
 * read them back to write them again, without end; they look here first and refuse.
 */
public final class JournalMounts {
    public static final String TYPE = "fuse.teefs";
    private static final String SOURCE_PREFIX = "teefs:";

    private JournalMounts() {
    }

    /** The fsname a journal-fs mount of {@code queueId} gives itself. */
    public static String fsName(UUID queueId) {
        return SOURCE_PREFIX + queueId;
    }

    /**
     * The mount point of the journal-fs mount of queue {@code queueId} whose filesystem holds {@code path}, or null
     * when {@code path} is elsewhere (another filesystem, or the mount of another queue: a relay is allowed).
     */
    public static Path ownMountHolding(Path path, String queueId) {
        return ownMountHolding(path, queueId, MountInfo.mounts());
    }

    static Path ownMountHolding(Path path, String queueId, List<MountInfo.Mount> mounts) {
        MountInfo.Mount m = MountInfo.holding(path, mounts);
        if (m != null && m.type().equals(TYPE) && m.source().equals(SOURCE_PREFIX + queueId)) {
            return Path.of(m.point());
        }
        return null;
    }
}
