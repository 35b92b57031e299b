package teefs.mirror.session;

import java.nio.file.Path;

import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.MountInfo;
import teefs.queue.JournalMounts;
import teefs.posix.Posix;

/**
 * Where TARGET may be: with {@code --needs-mount}, on a drive of its own, never filled in on the root filesystem; and
 * never inside the journal-fs mount of the queue being mirrored.
 */
final class TargetDrive {
    private TargetDrive() {
    }

    /**
     * A {@link TargetUnavailableException} (a pause) when no filesystem other than "/" is mounted at TARGET or above
     * it; nothing when {@code options} does not ask for one.
     */
    static void requireMounted(MirrorOptions options) {
        if (!options.needsMount()) {
            return;
        }
        Path mount = MountInfo.mountOf(options.target(), MountInfo.mounts());
        if (mount.getNameCount() == 0) {
            throw new TargetUnavailableException(null, "no drive is mounted at --target " + options.target()
                    + " or above it (--needs-mount): waiting for it to be mounted", Posix.ENODEV);
        }
    }

    /**
     * Refuses a TARGET inside the journal-fs mount of queue {@code queueId}, the one this mirror replays: each record
     * applied there would be journaled again and come back to be applied again, without end.
     */
    static void refuseOwnJournal(MirrorOptions options, String queueId) {
        Path mount = JournalMounts.ownMountHolding(options.target(), queueId);
        if (mount != null) {
            throw new MirrorException(MirrorException.CONFIGURATION, "--target " + options.target() + " is inside "
                    + mount + ", the teefs mount of queue " + queueId + " that this mirror replays: every record "
                    + "applied there would be journaled again and sent back to it, without end. Put --target on a "
                    + "drive outside " + mount, null);
        }
    }
}
