package teefs.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable {@code struct statx} (256 bytes) for what {@code struct stat} lacks: a file's birth time, which a new
 * filesystem or a directory made anew does not share with the one it replaced, across reboots (device numbers do not
 * last that long). Not thread-safe: one per thread.
 */
public final class Statx {
    public static final int SIZE = 256;
    public static final int STATX_INO = 0x100;
    public static final int STATX_BTIME = 0x800;
    private static final int STX_MASK = 0;
    private static final int STX_INO = 32;
    private static final int STX_BTIME = 80;

    private final byte[] raw = new byte[SIZE];
    private final ByteBuffer view = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);

    /** statx(2) of {@code path} (followed if a symlink) asking for the inode and birth time: 0, else the errno. */
    public int statx(String path) {
        return Posix.LIBC.statx(Posix.AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, raw) == 0 ? 0 : Posix.errno();
    }

    /** What the filesystem filled in: {@link #hasBirthTime} is false where it keeps none (some network and FUSE ones). */
    public int mask() { return view.getInt(STX_MASK); }
    public boolean hasBirthTime() { return (mask() & STATX_BTIME) != 0; }
    public long ino() { return view.getLong(STX_INO); }
    public long birthSec() { return view.getLong(STX_BTIME); }
    public int birthNsec() { return view.getInt(STX_BTIME + 8); }
}
