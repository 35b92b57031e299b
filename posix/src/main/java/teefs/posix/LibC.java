package teefs.posix;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls teefs needs that java.nio does not offer (or offers only with a copy): positional I/O on native
 * FUSE buffers, *at() calls for confinement, nanosecond times on symlinks, xattrs on any namespace, fallocate,
 * mknod, renameat2. Bound with jnr-ffi (which jnr-fuse brings anyway). Every call saves errno; read it with
 * {@link Posix#errno()} right after a -1 return, on the same thread.
 *
 * <p>Linux x86_64 only: {@code struct stat} is read at the offsets {@link Stat} names.
 */
public interface LibC {
    @SaveError int open(String path, int flags, int mode);
    @SaveError int openat(int dirfd, String path, int flags, int mode);
    @SaveError int close(int fd);
    /** For pipes (the queue's doorbell), where positional I/O fails with ESPIPE. */
    @SaveError long write(int fd, @In byte[] buf, long count);
    /** write from a raw native address: appends to an O_APPEND file (the journal's side data). */
    @SaveError long write(int fd, long address, long count);
    @SaveError long lseek(int fd, long offset, int whence);

    @SaveError long pread(int fd, Pointer buf, long count, long offset);
    @SaveError long pwrite(int fd, Pointer buf, long count, long offset);
    @SaveError long pread(int fd, @Out byte[] buf, long count, long offset);
    @SaveError long pwrite(int fd, @In byte[] buf, long count, long offset);
    /** pwrite from a raw native address (a direct buffer, a mapped queue): no Pointer object per call. */
    @SaveError long pwrite(int fd, long address, long count, long offset);
    /** pread into a raw native address. */
    @SaveError long pread(int fd, long address, long count, long offset);

    @SaveError int ftruncate(int fd, long length);
    @SaveError int truncate(String path, long length);
    @SaveError int fsync(int fd);
    @SaveError int fdatasync(int fd);
    /** Flushes the whole filesystem holding {@code fd} (a mirror's batched durability point). */
    @SaveError int syncfs(int fd);
    @SaveError int fallocate(int fd, int mode, long offset, long length);
    /** Advice on a mapping of this process ({@code address} page-aligned). */
    @SaveError int madvise(long address, long length, int advice);

    @SaveError int mkdir(String path, int mode);
    @SaveError int mkdirat(int dirfd, String path, int mode);
    @SaveError int rmdir(String path);
    @SaveError int unlink(String path);
    @SaveError int unlinkat(int dirfd, String path, int flags);
    @SaveError int rename(String from, String to);
    @SaveError int renameat2(int olddirfd, String from, int newdirfd, String to, int flags);
    @SaveError int symlink(String target, String linkpath);
    @SaveError int symlinkat(String target, int dirfd, String linkpath);
    @SaveError int link(String existing, String newpath);
    @SaveError int linkat(int olddirfd, String existing, int newdirfd, String newpath, int flags);
    @SaveError long readlink(String path, @Out byte[] buf, long size);
    @SaveError long readlinkat(int dirfd, String path, @Out byte[] buf, long size);
    @SaveError long readlink(String path, Pointer buf, long size);
    @SaveError int mknod(String path, int mode, long dev);
    @SaveError int mknodat(int dirfd, String path, int mode, long dev);
    @SaveError int access(String path, int mode);

    @SaveError int chmod(String path, int mode);
    /**
     * syscall(2) for {@code fchmodat2(dirfd, path, mode, flags)} ({@link Posix#SYS_FCHMODAT2}, Linux 6.6): the chmod
     * that honours AT_SYMLINK_NOFOLLOW (glibc before 2.39 emulates that flag with an lstat and /proc).
     */
    @SaveError int syscall(long number, int dirfd, String path, int mode, int flags);
    @SaveError int fchmod(int fd, int mode);
    @SaveError int fchmodat(int dirfd, String path, int mode, int flags);
    @SaveError int lchown(String path, int uid, int gid);
    @SaveError int fchown(int fd, int uid, int gid);
    @SaveError int fchownat(int dirfd, String path, int uid, int gid, int flags);
    /** {@code times} is two struct timespec: {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. */
    @SaveError int utimensat(int dirfd, String path, @In long[] times, int flags);
    @SaveError int futimens(int fd, @In long[] times);

    @SaveError int lstat(String path, Pointer statbuf);
    @SaveError int lstat(String path, @Out byte[] statbuf);
    @SaveError int fstat(int fd, @Out byte[] statbuf);
    @SaveError int fstat(int fd, Pointer statbuf);
    @SaveError int fstatat(int dirfd, String path, @Out byte[] statbuf, int flags);
    @SaveError int statvfs(String path, Pointer buf);
    @SaveError int fstatvfs(int fd, @Out byte[] buf);
    @SaveError int fstatat(int dirfd, String path, Pointer statbuf, int flags);
    @SaveError int statx(int dirfd, String path, int flags, int mask, @Out byte[] statxbuf);

    @SaveError int lsetxattr(String path, String name, @In byte[] value, long size, int flags);
    @SaveError int lsetxattr(String path, String name, Pointer value, long size, int flags);
    @SaveError long lgetxattr(String path, String name, @Out byte[] value, long size);
    @SaveError long lgetxattr(String path, String name, Pointer value, long size);
    @SaveError long llistxattr(String path, @Out byte[] list, long size);
    @SaveError long llistxattr(String path, Pointer list, long size);
    @SaveError int lremovexattr(String path, String name);
    @SaveError int fsetxattr(int fd, String name, @In byte[] value, long size, int flags);

    /** malloc(3): for structures libfuse takes over and frees itself (a read_buf's fuse_bufvec). 0 when out of memory. */
    long malloc(long size);

    int geteuid();
    int getegid();
    int umask(int mask);
}
