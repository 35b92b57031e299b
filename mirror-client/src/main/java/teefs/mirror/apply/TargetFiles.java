package teefs.mirror.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;

import teefs.posix.Posix;
import teefs.posix.Stat;

/**
 * The filesystem operations of the apply engine, each on a record path confined by {@link PathGuard} or on a
 * descriptor the engine holds. Every operation is idempotent: it makes TARGET hold what the source held right after
 * the operation, whatever state a previous application (of this record or of later ones) left behind:
 *
 * <ul>
 *   <li>removing something already gone, or acting on a path whose parent is gone, does nothing;</li>
 *   <li>creating something that exists replaces a non-directory occupant (the source created a new inode) and keeps
 *       a directory (a later record put it there; it settles it again);</li>
 *   <li>a rename whose source is gone is taken as done; one whose source came back (re-created by the replay)
 *       while its destination is a non-empty directory or of another type drops the stale source.</li>
 * </ul>
 *
 * <p>Never follows a symlink inside TARGET. Errors name the record path and say what to do.
 *
 * <p>Not thread-safe: owned by one {@link ApplyEngine}.
 */
final class TargetFiles {
    private static final int NOFOLLOW = Posix.AT_SYMLINK_NOFOLLOW;
    private static final int WRITE_FLAGS = Posix.O_WRONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_NOCTTY
            | Posix.O_CLOEXEC;
    private static final int CREATE_FLAGS = WRITE_FLAGS | Posix.O_CREAT | Posix.O_EXCL;

    private final PathGuard guard;
    private final boolean applyOwners;
    private final ResolvedPath first = new ResolvedPath();
    private final ResolvedPath second = new ResolvedPath();
    private final Stat stat = new Stat();
    private final long[] times = new long[4];
    /** Whether {@link #chmod} uses fchmodat2; cleared when this kernel lacks it or something refuses it. */
    private boolean fchmodat2 = true;
    private ByteBuffer scratch;
    private long scratchAddress;

    TargetFiles(PathGuard guard, boolean applyOwners) {
        this.guard = guard;
        this.applyOwners = applyOwners;
    }

    /** For tests: chmod as on a kernel without fchmodat2. */
    void withoutFchmodat2() {
        fchmodat2 = false;
    }

    // ---------------------------------------------------------------- open files

    /**
     * Opens the regular file at {@code path} for writing, for a handle binding.
     *
     * @return the descriptor, or -1 when the path does not exist in TARGET
     */
    int openForWrite(String path) {
        return openForWrite(path, true);
    }

    /**
     * Opens the regular file at {@code path} for writing, or returns -1 when there is none: also when something
     * else is there, which a repair of the bootstrap window may have copied (a later record settles that name).
     */
    int openForWriteIfRegular(String path) {
        return openForWrite(path, false);
    }

    private int openForWrite(String path, boolean strict) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT) {
                return -1;
            }
            if (stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) != 0) {
                return absentOrFail(r, "fstatat", Posix.errno(), -1);
            }
            if (!strict && !stat.isRegular()) {
                return -1;
            }
            requireRegular(r.path(), "open for writing");
            int fd = Posix.LIBC.openat(r.dirfd(), r.name(), WRITE_FLAGS, 0);
            if (fd < 0) {
                throw fail(path, "open for writing", Posix.errno());
            }
            return fd;
        }
    }

    /**
     * Creates the regular file at {@code path} with the given mode, owner and mtime, then sets the parent's mtime.
     *
     * <p>A regular file already there is kept, contents and all, not truncated: it can only be there because this
     * record was applied before, and its contents may include data that records before this one put in another
     * file later renamed over it (an atomic save); the replayed writes and truncates that follow settle the rest.
     * Another kind of occupant (symlink, fifo) is replaced; a directory is left and the creation skipped.
     *
     * @return the open descriptor when {@code keepOpen}, else -1 (also -1 when there is nothing to create in)
     */
    int create(String path, int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
               long parentSec, long parentNsec, boolean keepOpen) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT) {
                return -1;
            }
            // the usual case first, nothing there: O_EXCL creates it or fails, so no lstat is needed before
            int fd = Posix.LIBC.openat(r.dirfd(), r.name(), CREATE_FLAGS, mode & 07777);
            if (fd < 0 && Posix.errno() == Posix.EEXIST) {
                boolean keep = stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) == 0 && stat.isRegular();
                if (!keep && !clearOccupant(r)) {
                    return -1;
                }
                fd = Posix.LIBC.openat(r.dirfd(), r.name(), keep ? WRITE_FLAGS : CREATE_FLAGS, mode & 07777);
            }
            if (fd < 0) {
                throw fail(path, "create", Posix.errno());
            }
            try {
                if (applyOwners && Posix.LIBC.fchown(fd, uid, gid) != 0) {
                    throw fail(path, "fchown", Posix.errno());
                }
                if (Posix.LIBC.fchmod(fd, mode & 07777) != 0) {
                    throw fail(path, "fchmod", Posix.errno());
                }
                setFdMtime(fd, path, mtimeSec, mtimeNsec);
                setParentMtime(r, parentSec, parentNsec);
            } catch (RuntimeException e) {
                Posix.LIBC.close(fd);
                throw e;
            }
            if (keepOpen) {
                return fd;
            }
            Posix.LIBC.close(fd);
            return -1;
        }
    }

    /** pwrite of all of {@code data[offset, offset + length)} at {@code fileOffset}, then the file's mtime. */
    void write(int fd, String path, long fileOffset, DirectBuffer data, int offset, int length,
               long mtimeSec, long mtimeNsec) {
        long address;
        if (data.byteArray() == null) {
            address = data.addressOffset() + offset;
        } else {
            ensureScratch(length);
            data.getBytes(offset, scratch, 0, length);
            address = scratchAddress;
        }
        long done = 0;
        while (done < length) {
            long n = Posix.LIBC.pwrite(fd, address + done, length - done, fileOffset + done);
            if (n < 0) {
                throw fail(path, "pwrite of " + length + " bytes at " + fileOffset, Posix.errno());
            }
            done += n;
        }
        setFdMtime(fd, path, mtimeSec, mtimeNsec);
    }

    private void ensureScratch(int length) {
        if (scratch == null || scratch.capacity() < length) {
            scratch = ByteBuffer.allocateDirect(Math.max(length, 64 * 1024));
            scratchAddress = BufferUtil.address(scratch);
        }
    }

    void fallocate(int fd, String path, int mode, long offset, long length, long mtimeSec, long mtimeNsec) {
        if (Posix.LIBC.fallocate(fd, mode, offset, length) != 0) {
            throw fail(path, "fallocate mode " + mode + " [" + offset + ", +" + length + ")",
                    Posix.errno());
        }
        setFdMtime(fd, path, mtimeSec, mtimeNsec);
    }

    void fsync(int fd, String path, boolean datasync) {
        int rc = datasync ? Posix.LIBC.fdatasync(fd) : Posix.LIBC.fsync(fd);
        if (rc != 0) {
            throw fail(path, datasync ? "fdatasync" : "fsync", Posix.errno());
        }
    }

    // ---------------------------------------------------------------- paths

    void truncate(String path, long size, long mtimeSec, long mtimeNsec) {
        int fd = openForWrite(path);
        if (fd < 0) {
            return;
        }
        try {
            if (Posix.LIBC.ftruncate(fd, size) != 0) {
                throw fail(path, "ftruncate to " + size, Posix.errno());
            }
            setFdMtime(fd, path, mtimeSec, mtimeNsec);
        } finally {
            Posix.LIBC.close(fd);
        }
    }

    void mknod(String path, int mode, int uid, int gid, long rdev, long mtimeSec, long mtimeNsec,
               long parentSec, long parentNsec) {
        int type = mode & Posix.S_IFMT;
        if (type == Posix.S_IFREG || type == 0) {
            create(path, mode, uid, gid, mtimeSec, mtimeNsec, parentSec, parentNsec, false);
            return;
        }
        if (type == Posix.S_IFDIR || type == Posix.S_IFLNK) {
            throw new ApplyException(path, "refused MKNOD of type " + Integer.toOctalString(type)
                    + ": directories and symlinks have their own records", 0);
        }
        if ((type == Posix.S_IFCHR || type == Posix.S_IFBLK) && !Posix.isRoot()) {
            throw new ApplyException(path, "device nodes can only be created as root: run the mirror as root", 0);
        }
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT || !clearOccupant(r)) {
                return;
            }
            if (Posix.LIBC.mknodat(r.dirfd(), r.name(), type | (mode & 07777), rdev) != 0) {
                throw fail(path, "mknod", Posix.errno());
            }
            setAttributes(r, mode, uid, gid, mtimeSec, mtimeNsec);
            setParentMtime(r, parentSec, parentNsec);
        }
    }

    void mkdir(String path, int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
               long parentSec, long parentNsec) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT) {
                return;
            }
            boolean exists = stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) == 0;
            if (exists && !stat.isDirectory()) {
                unlinkOccupant(r);
                exists = false;
            }
            if (!exists && Posix.LIBC.mkdirat(r.dirfd(), r.name(), mode & 07777) != 0) {
                throw fail(path, "mkdir", Posix.errno());
            }
            setAttributes(r, mode, uid, gid, mtimeSec, mtimeNsec);
            setParentMtime(r, parentSec, parentNsec);
        }
    }

    void rmdir(String path, long parentSec, long parentNsec) {
        remove(path, Posix.AT_REMOVEDIR, "rmdir", parentSec, parentNsec);
    }

    void unlink(String path, long parentSec, long parentNsec) {
        remove(path, 0, "unlink", parentSec, parentNsec);
    }

    private void remove(String path, int flags, String op, long parentSec, long parentNsec) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT) {
                return;
            }
            if (Posix.LIBC.unlinkat(r.dirfd(), r.name(), flags) != 0) {
                int errno = Posix.errno();
                // gone already, or replaced by another type / refilled by a later record that will settle it
                if (errno == Posix.ENOENT) {
                    guard.checkAlive(path);
                } else if (errno != Posix.ENOTDIR && errno != Posix.EISDIR && errno != Posix.ENOTEMPTY
                        && errno != Posix.EEXIST) {
                    throw fail(path, op, errno);
                }
            }
            setParentMtime(r, parentSec, parentNsec);
        }
    }

    /**
     * Renames {@code from} to {@code to} with renameat2 {@code flags} (0, RENAME_NOREPLACE, RENAME_EXCHANGE).
     *
     * @return true when the source was a stale re-creation and was dropped: descriptors opened on it are stale too
     */
    boolean rename(String from, String to, int flags, long fromParentSec, long fromParentNsec,
                long toParentSec, long toParentNsec) {
        if ((flags & ~(Posix.RENAME_NOREPLACE | Posix.RENAME_EXCHANGE)) != 0
                || flags == (Posix.RENAME_NOREPLACE | Posix.RENAME_EXCHANGE)) {
            throw new ApplyException(from, "refused rename flags 0x" + Integer.toHexString(flags)
                    + ": only RENAME_NOREPLACE or RENAME_EXCHANGE can be mirrored", 0);
        }
        PathGuard.check(to, false);
        try (ResolvedPath src = first; ResolvedPath dst = second) {
            boolean srcThere = guard.resolve(from, false, src) == PathGuard.Walk.RESOLVED;
            boolean dstThere = guard.resolve(to, false, dst) == PathGuard.Walk.RESOLVED;
            boolean dropped = srcThere && dstThere && renameResolved(src, dst, flags);
            if (srcThere) {
                setParentMtime(src, fromParentSec, fromParentNsec);
            }
            if (dstThere) {
                setParentMtime(dst, toParentSec, toParentNsec);
            }
            return dropped;
        }
    }

    private boolean renameResolved(ResolvedPath src, ResolvedPath dst, int flags) {
        if (Posix.LIBC.renameat2(src.dirfd(), src.name(), dst.dirfd(), dst.name(), flags) == 0) {
            return false;
        }
        int errno = Posix.errno();
        if (errno == Posix.ENOENT) {
            // the source is gone: this rename (or the one exchange needs) happened already
            guard.checkAlive(src.path());
            return false;
        }
        if (flags == Posix.RENAME_EXCHANGE) {
            throw fail(src.path(), "rename exchange with '" + dst.path() + "'", errno);
        }
        if (errno == Posix.EEXIST || errno == Posix.ENOTEMPTY || errno == Posix.EISDIR || errno == Posix.ENOTDIR) {
            // The source did not block this on the origin, so the destination comes from a later record and the
            // source was re-created by this replay: the rename is done already, and the stale source goes.
            removeTree(src.dirfd(), src.name(), src.path());
            return true;
        }
        throw fail(src.path(), "rename to '" + dst.path() + "'", errno);
    }

    /** Sets the mtime of {@code path}'s parent directory, when that directory exists (whatever {@code path} is). */
    void parentTimes(String path, long parentSec, long parentNsec) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.RESOLVED) {
                setParentMtime(r, parentSec, parentNsec);
            }
        }
    }

    void symlink(String path, String target, int uid, int gid, long mtimeSec, long mtimeNsec,
                 long parentSec, long parentNsec) {
        if (target.isEmpty() || target.indexOf('\0') >= 0 || target.length() > PathGuard.MAX_PATH) {
            throw new ApplyException(path, "refused symlink target: empty, over " + PathGuard.MAX_PATH
                    + " characters or holding a NUL byte", 0);
        }
        try (ResolvedPath r = first) {
            if (guard.resolve(path, false, r) == PathGuard.Walk.ABSENT || !clearOccupant(r)) {
                return;
            }
            // the target is stored, never followed by the mirror: it need not be confined
            if (Posix.LIBC.symlinkat(target, r.dirfd(), r.name()) != 0) {
                throw fail(path, "symlink", Posix.errno());
            }
            if (applyOwners && Posix.LIBC.fchownat(r.dirfd(), r.name(), uid, gid, NOFOLLOW) != 0) {
                throw fail(path, "lchown", Posix.errno());
            }
            setTimes(r, -1, -1, mtimeSec, mtimeNsec);
            setParentMtime(r, parentSec, parentNsec);
        }
    }

    void link(String existing, String newPath, long parentSec, long parentNsec) {
        PathGuard.check(newPath, false);
        try (ResolvedPath src = first; ResolvedPath dst = second) {
            boolean srcThere = guard.resolve(existing, false, src) == PathGuard.Walk.RESOLVED;
            if (guard.resolve(newPath, false, dst) == PathGuard.Walk.ABSENT) {
                return;
            }
            if (srcThere && stat.fstatat(src.dirfd(), src.name(), NOFOLLOW) == 0) {
                long dev = stat.dev();
                long ino = stat.ino();
                boolean occupied = stat.fstatat(dst.dirfd(), dst.name(), NOFOLLOW) == 0;
                boolean sameInode = occupied && stat.dev() == dev && stat.ino() == ino;
                if (!sameInode && clearOccupant(dst)
                        && Posix.LIBC.linkat(src.dirfd(), src.name(), dst.dirfd(), dst.name(), 0) != 0) {
                    throw fail(newPath, "link to '" + existing + "'", Posix.errno());
                }
            }
            setParentMtime(dst, parentSec, parentNsec);
        }
    }

    /**
     * A symlink has no mode of its own on Linux: a CHMOD that finds one has nothing to mirror, and must not follow it.
     * fchmodat2 with AT_SYMLINK_NOFOLLOW changes anything else in one call and refuses a symlink (EOPNOTSUPP, then
     * confirmed by an lstat); without it (a kernel before 6.6, or a seccomp filter that does not know it) an lstat
     * looks first.
     */
    void chmod(String path, int mode) {
        try (ResolvedPath r = first) {
            if (guard.resolve(path, true, r) == PathGuard.Walk.ABSENT) {
                return;
            }
            boolean filtered = false; // fchmodat2 failed for no reason of the file's: a filter, if fchmodat works
            if (fchmodat2) {
                if (Posix.LIBC.syscall(Posix.SYS_FCHMODAT2, r.dirfd(), r.name(), mode & 07777, NOFOLLOW) == 0) {
                    return;
                }
                int errno = Posix.errno();
                if (errno == Posix.ENOENT) {
                    absentOrFail(r, "chmod", errno, 0);
                    return;
                }
                // EOPNOTSUPP: a symlink, or a filesystem without modes (the lstat below tells which); ENOSYS: no such
                // call here; anything else (EPERM from a filter, or a real error): the old way says
                fchmodat2 = errno != Posix.ENOSYS;
                filtered = errno != Posix.EOPNOTSUPP && errno != Posix.ENOSYS;
            }
            if (stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) != 0) {
                absentOrFail(r, "fstatat", Posix.errno(), 0);
                return;
            }
            if (stat.isSymlink()) {
                return;
            }
            if (Posix.LIBC.fchmodat(r.dirfd(), r.name(), mode & 07777, 0) != 0) {
                throw fail(path, "chmod", Posix.errno());
            }
            if (filtered) {
                fchmodat2 = false; // it failed where fchmodat did not: a filter refuses it; stop asking
            }
        }
    }

    void chown(String path, int uid, int gid) {
        if (!applyOwners) {
            return;
        }
        try (ResolvedPath r = first) {
            if (existing(path, r) && Posix.LIBC.fchownat(r.dirfd(), r.name(), uid, gid, NOFOLLOW) != 0) {
                throw fail(path, "lchown", Posix.errno());
            }
        }
    }

    void utimens(String path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        try (ResolvedPath r = first) {
            // no lstat first: utimensat with AT_SYMLINK_NOFOLLOW follows nothing, and says ENOENT when there is
            // nothing to set times on
            if (guard.resolve(path, true, r) == PathGuard.Walk.ABSENT
                    || !fillTimes(atimeSec, atimeNsec, mtimeSec, mtimeNsec)) {
                return;
            }
            if (Posix.LIBC.utimensat(r.dirfd(), r.name(), times, NOFOLLOW) != 0) {
                absentOrFail(r, "utimensat", Posix.errno(), 0);
            }
        }
    }

    void setxattr(String path, String name, DirectBuffer value, int offset, int length) {
        checkXattrName(path, name);
        try (ResolvedPath r = first) {
            if (!existing(path, r)) {
                return;
            }
            byte[] bytes = new byte[length];
            value.getBytes(offset, bytes);
            // flags 0, not the record's CREATE/REPLACE: the record states the result, and a replay must succeed
            if (Posix.LIBC.lsetxattr(r.procPath(), name, bytes, length, 0) != 0) {
                throw fail(path, "setxattr " + name, Posix.errno());
            }
        }
    }

    void removexattr(String path, String name) {
        checkXattrName(path, name);
        try (ResolvedPath r = first) {
            if (existing(path, r) && Posix.LIBC.lremovexattr(r.procPath(), name) != 0) {
                int errno = Posix.errno();
                if (errno != Posix.ENODATA) {
                    throw fail(path, "removexattr " + name, errno);
                }
            }
        }
    }

    private static void checkXattrName(String path, String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('.') <= 0 || name.length() > 255) {
            throw new ApplyException(path, "refused xattr name '" + name.replace('\0', '?')
                    + "': it must be namespace.name, at most 255 bytes, without NUL", 0);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The exception for a failed call; an ENOENT where a path was expected is first checked against TARGET vanishing. */
    private ApplyException fail(String path, String op, int errno) {
        if (errno == Posix.ENOENT) {
            guard.checkAlive(path);
        }
        return ApplyException.fromErrno(path, op, errno);
    }

    /** Resolves {@code path} (TARGET itself allowed) and lstats it; false when it does not exist. */
    private boolean existing(String path, ResolvedPath r) {
        if (guard.resolve(path, true, r) == PathGuard.Walk.ABSENT) {
            return false;
        }
        if (stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) != 0) {
            return absentOrFail(r, "fstatat", Posix.errno(), 0) != 0;
        }
        return true;
    }

    private int absentOrFail(ResolvedPath r, String op, int errno, int absentValue) {
        if (errno == Posix.ENOENT) {
            guard.checkAlive(r.path());
            return absentValue;
        }
        throw fail(r.path(), op, errno);
    }

    /** After a successful lstat into {@link #stat}: refuses anything but a regular file (never open devices). */
    private void requireRegular(String path, String op) {
        if (!stat.isRegular()) {
            String kind = stat.isSymlink() ? "a symlink" : stat.isDirectory() ? "a directory" : "a special file";
            throw new ApplyException(path, "refused to " + op + ": it is " + kind + " in TARGET, not a regular file"
                    + " (the mirror never follows symlinks nor opens devices); check TARGET with 'teefs verify'", 0);
        }
    }

    /**
     * Makes room for a new entry: a non-directory occupant is unlinked; a directory is kept and the creation
     * skipped (false), since only a later record can have put it there.
     */
    private boolean clearOccupant(ResolvedPath r) {
        if (stat.fstatat(r.dirfd(), r.name(), NOFOLLOW) != 0) {
            return true;
        }
        if (stat.isDirectory()) {
            return false;
        }
        unlinkOccupant(r);
        return true;
    }

    private void unlinkOccupant(ResolvedPath r) {
        if (Posix.LIBC.unlinkat(r.dirfd(), r.name(), 0) != 0) {
            throw fail(r.path(), "unlink of the previous occupant", Posix.errno());
        }
    }

    /** Removes the entry {@code name} of {@code dirfd} and everything under it, never following a symlink. */
    private void removeTree(int dirfd, String name, String path) {
        Stat s = new Stat();
        if (s.fstatat(dirfd, name, NOFOLLOW) != 0) {
            return;
        }
        if (!s.isDirectory()) {
            if (Posix.LIBC.unlinkat(dirfd, name, 0) != 0) {
                throw fail(path, "unlink", Posix.errno());
            }
            return;
        }
        int fd = Posix.LIBC.openat(dirfd, name, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW
                | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            throw fail(path, "open directory", Posix.errno());
        }
        try {
            List<String> children = new ArrayList<>();
            // the listing goes through the descriptor already reached safely, not through a path
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd/" + fd))) {
                for (Path child : entries) {
                    children.add(child.getFileName().toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + path, e);
            }
            for (String child : children) {
                removeTree(fd, child, path + "/" + child);
            }
        } finally {
            Posix.LIBC.close(fd);
        }
        if (Posix.LIBC.unlinkat(dirfd, name, Posix.AT_REMOVEDIR) != 0) {
            throw fail(path, "rmdir", Posix.errno());
        }
    }

    private void setAttributes(ResolvedPath r, int mode, int uid, int gid, long mtimeSec, long mtimeNsec) {
        // owner first: chown clears set-id bits, which the chmod then restores
        if (applyOwners && Posix.LIBC.fchownat(r.dirfd(), r.name(), uid, gid, NOFOLLOW) != 0) {
            throw fail(r.path(), "lchown", Posix.errno());
        }
        if (Posix.LIBC.fchmodat(r.dirfd(), r.name(), mode & 07777, 0) != 0) {
            throw fail(r.path(), "chmod", Posix.errno());
        }
        setTimes(r, -1, -1, mtimeSec, mtimeNsec);
    }

    private void setTimes(ResolvedPath r, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        if (!fillTimes(atimeSec, atimeNsec, mtimeSec, mtimeNsec)) {
            return;
        }
        if (Posix.LIBC.utimensat(r.dirfd(), r.name(), times, NOFOLLOW) != 0) {
            throw fail(r.path(), "utimensat", Posix.errno());
        }
    }

    private void setParentMtime(ResolvedPath r, long sec, long nsec) {
        if (!fillTimes(-1, -1, sec, nsec)) {
            return;
        }
        // dirfd is the parent, reached without following symlinks; "." names it
        if (Posix.LIBC.utimensat(r.dirfd(), ".", times, 0) != 0) {
            throw fail(r.path(), "utimensat of the parent directory", Posix.errno());
        }
    }

    private void setFdMtime(int fd, String path, long sec, long nsec) {
        if (fillTimes(-1, -1, sec, nsec) && Posix.LIBC.futimens(fd, times) != 0) {
            throw fail(path, "futimens", Posix.errno());
        }
    }

    /** Fills {@link #times}; nsec -1 means "leave as is". False when both are left. */
    private boolean fillTimes(long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        if (atimeNsec == -1 && mtimeNsec == -1) {
            return false;
        }
        times[0] = atimeSec;
        times[1] = atimeNsec == -1 ? Posix.UTIME_OMIT : atimeNsec;
        times[2] = mtimeSec;
        times[3] = mtimeNsec == -1 ? Posix.UTIME_OMIT : mtimeNsec;
        return true;
    }
}
