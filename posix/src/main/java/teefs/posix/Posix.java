package teefs.posix;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** The loaded libc and the few constants and helpers every caller of {@link LibC} needs (Linux x86_64 values). */
public final class Posix {
    public static final LibC LIBC = LibraryLoader.create(LibC.class).failImmediately().load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_ACCMODE = 3;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    /** x86_64 system call number of fchmodat2 (Linux 6.6+). */
    public static final long SYS_FCHMODAT2 = 452;

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;

    public static final long UTIME_NOW = (1L << 30) - 1;
    public static final long UTIME_OMIT = (1L << 30) - 2;

    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 060000;
    public static final int S_IFDIR = 040000;
    public static final int S_IFCHR = 020000;
    public static final int S_IFIFO = 010000;

    /** fallocate(2) mode bits: allocate without changing the file's size; deallocate a range (with KEEP_SIZE). */
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;

    /** madvise(2): no read-ahead when a page of the mapping faults in. */
    public static final int MADV_RANDOM = 1;

    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    public static final int EDQUOT = 122;

    private Posix() {
    }

    /** errno of the last {@link LibC} call made on this thread. */
    public static int errno() {
        return RUNTIME.getLastError();
    }

    /** A jnr pointer at a raw native address (a FUSE buffer, a Chronicle mapping, a direct buffer). */
    public static Pointer pointer(long address) {
        return Pointer.wrap(RUNTIME, address);
    }

    public static jnr.ffi.Runtime runtime() {
        return RUNTIME;
    }

    /** The message libc gives for an errno, for error texts ("No space left on device"). */
    public static String strerror(int errno) {
        return jnr.constants.platform.Errno.valueOf(errno).description();
    }

    public static boolean isRoot() {
        return LIBC.geteuid() == 0;
    }
}
