package teefs.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable {@code struct stat} (Linux x86_64 layout, 144 bytes) filled by {@link #lstat}, {@link #fstat} or
 * {@link #fstatat}. Not thread-safe: one per thread.
 */
public final class Stat {
    public static final int SIZE = 144;
    private static final int ST_DEV = 0;
    private static final int ST_INO = 8;
    private static final int ST_NLINK = 16;
    private static final int ST_MODE = 24;
    private static final int ST_UID = 28;
    private static final int ST_GID = 32;
    private static final int ST_RDEV = 40;
    private static final int ST_SIZE = 48;
    private static final int ST_BLOCKS = 64;
    private static final int ST_ATIME = 72;
    private static final int ST_MTIME = 88;
    private static final int ST_CTIME = 104;

    private final byte[] raw = new byte[SIZE];
    private final ByteBuffer view = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);

    /** lstat(2): 0 on success, else the errno. */
    public int lstat(String path) {
        return Posix.LIBC.lstat(path, raw) == 0 ? 0 : Posix.errno();
    }

    /** fstat(2): 0 on success, else the errno. */
    public int fstat(int fd) {
        return Posix.LIBC.fstat(fd, raw) == 0 ? 0 : Posix.errno();
    }

    /** fstatat(2) with the given flags (e.g. AT_SYMLINK_NOFOLLOW): 0 on success, else the errno. */
    public int fstatat(int dirfd, String path, int flags) {
        return Posix.LIBC.fstatat(dirfd, path, raw, flags) == 0 ? 0 : Posix.errno();
    }

    /** Copies the whole {@code struct stat} to native memory (a FUSE reply's stat buffer). */
    public void copyTo(jnr.ffi.Pointer destination) {
        destination.put(0, raw, 0, SIZE);
    }

    /** Copies the whole {@code struct stat} from another. */
    public void copyFrom(Stat other) {
        System.arraycopy(other.raw, 0, raw, 0, SIZE);
    }

    public long dev() { return view.getLong(ST_DEV); }
    public long ino() { return view.getLong(ST_INO); }
    public long nlink() { return view.getLong(ST_NLINK); }
    public int mode() { return view.getInt(ST_MODE); }
    public int type() { return view.getInt(ST_MODE) & Posix.S_IFMT; }
    public int permissions() { return view.getInt(ST_MODE) & 07777; }
    public int uid() { return view.getInt(ST_UID); }
    public int gid() { return view.getInt(ST_GID); }
    public long rdev() { return view.getLong(ST_RDEV); }
    public long size() { return view.getLong(ST_SIZE); }
    public long blocks() { return view.getLong(ST_BLOCKS); }
    public long atimeSec() { return view.getLong(ST_ATIME); }
    public long atimeNsec() { return view.getLong(ST_ATIME + 8); }
    public long mtimeSec() { return view.getLong(ST_MTIME); }
    public long mtimeNsec() { return view.getLong(ST_MTIME + 8); }
    public long ctimeSec() { return view.getLong(ST_CTIME); }
    public long ctimeNsec() { return view.getLong(ST_CTIME + 8); }

    public boolean isDirectory() { return type() == Posix.S_IFDIR; }
    public boolean isRegular() { return type() == Posix.S_IFREG; }
    public boolean isSymlink() { return type() == Posix.S_IFLNK; }
}
