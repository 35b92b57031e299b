package teefs.cli.up;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import teefs.posix.MountInfo;
import teefs.posix.Stat;

/**
 * What a supervisor needs of a FUSE mount point: is it mounted, is that mount stale, detaching it, and the seal
 * ({@code chattr +i}) that keeps writers out of the bare directory while the journal is down. A seal names its owner
 * (the sealing process, in the {@code user.teefs.sealed-by} attribute of the directory), so a seal whose owner is gone
 * can be told from one that is still wanted.
 */
public final class MountTable {
    private static final int ENOTCONN = 107;
    private static final String OWNER_ATTRIBUTE = "teefs.sealed-by";

    private MountTable() {
    }

    public static boolean isMounted(Path dir) {
        return MountInfo.mountPoints().contains(dir.toAbsolutePath().normalize().toString());
    }

    /**
     * A mount whose FUSE process is gone answers "Transport endpoint is not connected" (ENOTCONN) to every stat. Any
     * other answer (EACCES from someone else's mount, a slow but live daemon) is not stale: it is never detached.
     */
    public static boolean isStale(Path dir) {
        return isMounted(dir) && new Stat().lstat(dir.toAbsolutePath().toString()) == ENOTCONN;
    }

    /** {@code fusermount -u -z DIR}: detach now, even if busy; returns true if DIR is no longer mounted. */
    public static boolean lazyUnmount(Path dir) {
        if (!isMounted(dir)) {
            return true;
        }
        if (!run("fusermount", "-u", "-z", dir.toAbsolutePath().toString())) {
            run("umount", "-l", dir.toAbsolutePath().toString());
        }
        return !isMounted(dir);
    }

    /**
     * {@code chattr +i DIR}, with {@code owner} recorded first: while sealed, nothing can be created in the bare mount
     * point, so a writer that keeps writing while the journal restarts gets EPERM instead of leaving files that the
     * journal never saw (and that would then stop the journal from mounting). A FUSE mount on top works as usual.
     * Needs CAP_LINUX_IMMUTABLE and a filesystem with the attribute (ext4, xfs, btrfs); returns false where it is not
     * possible. Call it while DIR is not mounted (on a mount it would reach the mounted filesystem's root).
     */
    public static boolean seal(Path dir, ProcessId owner) {
        run("chattr", "-i", dir.toAbsolutePath().toString());
        try {
            Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .write(OWNER_ATTRIBUTE, StandardCharsets.US_ASCII.encode(owner.toString()));
        } catch (IOException | UnsupportedOperationException | NullPointerException e) {
            // no user xattrs here: the seal still works, it only cannot say whose it is
        }
        return run("chattr", "+i", dir.toAbsolutePath().toString());
    }

    /** {@code chattr -i DIR} and its owner record removed; returns false if DIR stays sealed. */
    public static boolean unseal(Path dir) {
        boolean ok = run("chattr", "-i", dir.toAbsolutePath().toString());
        try {
            Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .delete(OWNER_ATTRIBUTE);
        } catch (IOException | UnsupportedOperationException | NullPointerException e) {
            // not recorded, or no user xattrs here
        }
        return ok && !isSealed(dir);
    }

    /** True when DIR (the bare directory: call it while not mounted) has the immutable attribute. */
    public static boolean isSealed(Path dir) {
        try {
            Process p = new ProcessBuilder("lsattr", "-d", dir.toAbsolutePath().toString()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return false;
            }
            String flags = out.strip().split("\\s+", 2)[0];
            return flags.indexOf('i') >= 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Who sealed DIR, as recorded by {@link #seal}; empty if not recorded. */
    public static Optional<ProcessId> sealOwner(Path dir) {
        try {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            ByteBuffer b = ByteBuffer.allocate(view.size(OWNER_ATTRIBUTE));
            view.read(OWNER_ATTRIBUTE, b);
            return ProcessId.parse(StandardCharsets.US_ASCII.decode(b.flip()).toString());
        } catch (IOException | UnsupportedOperationException | NullPointerException e) {
            return Optional.empty();
        }
    }

    /**
     * What a crashed or killed run leaves at a mount point, cleared: a stale mount is detached, and a seal whose
     * recorded owner is no longer running is removed. A live mount, and a seal whose owner runs (a supervising teefs
     * up) or is not recorded, are left alone. Returns what was done, as a phrase for one log line ("" if nothing).
     */
    public static String recoverAbandoned(Path dir) {
        List<String> done = new ArrayList<>();
        if (isStale(dir)) {
            lazyUnmount(dir);
            done.add("detached the stale mount " + dir + " (fusermount -u -z: the journal that served it is gone)");
        }
        if (!isMounted(dir) && Files.isDirectory(dir) && isSealed(dir)) {
            Optional<ProcessId> owner = sealOwner(dir);
            if (owner.isPresent() && !owner.get().isRunning() && unseal(dir)) {
                done.add("unsealed " + dir + " (chattr -i: the teefs up that sealed it, pid " + owner.get().pid()
                        + ", is gone)");
            }
        }
        return String.join("; ", done);
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
