package teefs.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import teefs.posix.Posix;
import teefs.posix.Stat;

/**
 * Checks, before anything is opened, the mistakes that would otherwise surface as a hung or recursive mount or a
 * cryptic libfuse message: FUSE missing, a stale or busy MOUNT, STORE/QUEUE/MOUNT nested in each other.
 * Each failure is a {@link MountException} whose message names the path and the fix.
 */
final class MountPreflight {
    private static final int ENOTCONN = 107;

    private MountPreflight() {
    }

    static void check(JournalConfig config) {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new MountException("FUSE is not available: /dev/fuse is missing. Load the kernel module "
                    + "(modprobe fuse) or, in a container, pass the device (--device /dev/fuse --cap-add SYS_ADMIN).");
        }
        Path store = config.store();
        Path mount = config.mount();
        Path queue = config.queue();
        checkMountPoint(mount);
        createDirectory(store, "STORE");
        createDirectory(mount, "MOUNT");
        createDirectory(queue, "QUEUE");
        Path realStore = real(store);
        Path realMount = real(mount);
        Path realQueue = real(queue);
        if (realStore.equals(realMount)) {
            throw new MountException("STORE and MOUNT are the same directory (" + realStore + "): the mount would "
                    + "hide the files it passes through. Use an empty directory elsewhere as --mount.");
        }
        if (realStore.startsWith(realMount)) {
            throw new MountException("STORE " + realStore + " is inside MOUNT " + realMount
                    + ": every access would loop through the mount. Put STORE outside MOUNT.");
        }
        if (realMount.startsWith(realStore)) {
            throw new MountException("MOUNT " + realMount + " is inside STORE " + realStore
                    + ": the mount would contain itself. Put MOUNT outside STORE.");
        }
        if (realQueue.startsWith(realMount) || realQueue.startsWith(realStore)) {
            throw new MountException("QUEUE " + realQueue + " is inside " + (realQueue.startsWith(realMount)
                    ? "MOUNT" : "STORE") + ": the journal would journal itself. Put QUEUE outside both.");
        }
        if (isMounted(realMount)) {
            throw new MountException("MOUNT " + realMount + " is already a mount point. Unmount it first "
                    + "(fusermount -u " + realMount + ") or choose another --mount.");
        }
        try (var entries = Files.list(realMount)) {
            if (entries.findAny().isPresent()) {
                throw new MountException("MOUNT " + realMount + " is not empty: its files would be hidden under the "
                        + "mount. Use an empty directory (the landing zone's files belong in --store).");
            }
        } catch (IOException e) {
            throw new MountException("cannot list MOUNT " + realMount + ": " + e.getMessage());
        }
    }

    private static void checkMountPoint(Path mount) {
        Stat stat = new Stat();
        int errno = stat.lstat(mount.toString());
        if (errno == ENOTCONN) {
            throw new MountException("MOUNT " + mount + " is a stale FUSE mount (its process died: \"Transport "
                    + "endpoint is not connected\"). Run: fusermount -u " + mount
                    + "   (or fusermount -u -z " + mount + " if it is busy), then start again.");
        }
        if (errno == 0 && !stat.isDirectory()) {
            throw new MountException("MOUNT " + mount + " exists and is not a directory: give an empty directory.");
        }
    }

    private static void createDirectory(Path dir, String role) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new MountException("cannot create " + role + " directory " + dir + ": " + e
                    + " (check the path and permissions)");
        }
        if (!Files.isDirectory(dir)) {
            throw new MountException(role + " " + dir + " is not a directory");
        }
    }

    private static Path real(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new MountException("cannot resolve " + dir + ": " + e.getMessage());
        }
    }

    /** True when /proc/self/mountinfo lists {@code dir} as a mount point. */
    static boolean isMounted(Path dir) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            String target = dir.toString();
            for (String line : lines) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    static boolean fuseAvailable() {
        return Files.exists(Path.of("/dev/fuse"));
    }

    static boolean isRoot() {
        return Posix.isRoot();
    }
}
