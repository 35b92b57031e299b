package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Is a directory a mount point, is that mount stale, and detaching it (what a supervisor needs of FUSE). */
final class MountTable {
    private MountTable() {
    }

    static boolean isMounted(Path dir) {
        String target = dir.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && fields[4].replace("\\040", " ").equals(target)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** A mount whose FUSE process is gone answers "Transport endpoint is not connected" to every stat. */
    static boolean isStale(Path dir) {
        if (!isMounted(dir)) {
            return false;
        }
        try {
            Files.readAttributes(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return false;
        } catch (IOException e) {
            return true;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code fusermount -u -z DIR}: detach now, even if busy; returns true if DIR is no longer mounted. */
    static boolean lazyUnmount(Path dir) {
        if (!isMounted(dir)) {
            return true;
        }
        try {
            Process p = new ProcessBuilder("fusermount", "-u", "-z", dir.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            try {
                new ProcessBuilder("umount", "-l", dir.toAbsolutePath().toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !isMounted(dir);
    }

    /**
     * {@code chattr +i DIR} (or -i): while sealed, nothing can be created in the bare mount point, so a writer that
     * keeps writing while the journal restarts gets EPERM instead of leaving files that the journal never saw (and
     * that would then stop the journal from mounting). A FUSE mount on top works as usual. Needs CAP_LINUX_IMMUTABLE
     * and a filesystem with the attribute (ext4, xfs, btrfs); returns false where it is not possible.
     */
    static boolean seal(Path dir, boolean on) {
        try {
            Process p = new ProcessBuilder("chattr", on ? "+i" : "-i", dir.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
