package teefs.mirror.session;

import java.nio.file.Path;

import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.MountInfo;
import teefs.posix.Posix;

/** {@code --needs-mount}: TARGET must be on a drive of its own, never filled in on the root filesystem. */
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
        Path mount = MountInfo.mountOf(options.target(), MountInfo.mountPoints());
        if (mount.getNameCount() == 0) {
            throw new TargetUnavailableException(null, "no drive is mounted at --target " + options.target()
                    + " or above it (--needs-mount): waiting for it to be mounted", Posix.ENODEV);
        }
    }
}
