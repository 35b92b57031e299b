package teefs.mirror.session;

import java.nio.file.Path;
import java.time.Instant;

import teefs.mirror.apply.TargetUnavailableException;
import teefs.posix.Posix;
import teefs.posix.Statx;

/**
 * Which directory a mirror's position was saved for: TARGET's inode number and birth time. Both last across reboots
 * and remounts of the same filesystem; a new drive differs (its root is inode 2 like any ext4 root, but born at its
 * mkfs), and so does a directory made anew, or the empty mount point left when a drive is not mounted. On a
 * filesystem that keeps no birth time, the inode number alone.
 *
 * @param birthSec {@link #NO_BIRTH} when the filesystem keeps none
 */
public record TargetIdentity(long ino, long birthSec, int birthNsec) {
    public static final long NO_BIRTH = Long.MIN_VALUE;

    /** The identity of the directory {@code target} names now. */
    public static TargetIdentity of(Path target) {
        Statx s = new Statx();
        String path = target.toAbsolutePath().normalize().toString();
        int errno = s.statx(path);
        if (errno != 0) {
            throw new TargetUnavailableException(path, "cannot stat the target directory: " + Posix.strerror(errno)
                    + "; create it (or mount the drive) first", errno);
        }
        return s.hasBirthTime() ? new TargetIdentity(s.ino(), s.birthSec(), s.birthNsec())
                : new TargetIdentity(s.ino(), NO_BIRTH, 0);
    }

    /** Whether both name the same directory, as far as both know (a birth time missing on either side is not compared). */
    public boolean sameDirectory(TargetIdentity other) {
        return ino == other.ino && (birthSec == NO_BIRTH || other.birthSec == NO_BIRTH
                || (birthSec == other.birthSec && birthNsec == other.birthNsec));
    }

    @Override
    public String toString() {
        return "inode " + ino + (birthSec == NO_BIRTH ? " (no birth time)"
                : ", made " + Instant.ofEpochSecond(birthSec, birthNsec));
    }
}
