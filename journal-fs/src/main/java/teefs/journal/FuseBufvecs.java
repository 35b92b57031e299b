package teefs.journal;

import static teefs.posix.Posix.LIBC;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * libfuse2's {@code struct fuse_bufvec} with one {@code struct fuse_buf}, written straight into native memory (no
 * jnr Struct objects per call). Linux x86_64 layout, 64 bytes:
 *
 * <pre>
 *    0  size_t count      number of buffers (1)
 *    8  size_t idx        current buffer (0)
 *   16  size_t off        offset in the current buffer (0)
 *   24  buf[0]:
 *   24    size_t size     bytes
 *   32    int    flags    FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK ...   (4 bytes of padding follow)
 *   40    void  *mem      memory, or NULL for an fd buffer
 *   48    int    fd       file descriptor                         (4 bytes of padding follow)
 *   56    off_t  pos      position in the file (with FUSE_BUF_FD_SEEK)
 * </pre>
 *
 * Stateless; safe from any thread.
 */
final class FuseBufvecs {
    static final int SIZE = 64;
    static final int FUSE_BUF_IS_FD = 1 << 1;
    static final int FUSE_BUF_FD_SEEK = 1 << 2;

    private static final int COUNT = 0;
    private static final int IDX = 8;
    private static final int OFF = 16;
    private static final int BUF_SIZE = 24;
    private static final int BUF_FLAGS = 32;
    private static final int BUF_MEM = 40;
    private static final int BUF_FD = 48;
    private static final int BUF_POS = 56;

    private FuseBufvecs() {
    }

    /**
     * A malloc'd bufvec describing {@code size} bytes of {@code fd} at {@code pos}: what a read_buf answers so that
     * libfuse moves the data from STORE to /dev/fuse itself (with splice when mounted with {@code splice_write}).
     * libfuse frees it. Returns 0 when malloc fails.
     */
    static long fdBuffer(int fd, long size, long pos) {
        long vec = LIBC.malloc(SIZE);
        if (vec == 0) {
            return 0;
        }
        UnsafeBuffer b = new UnsafeBuffer(vec, SIZE); // native byte order
        b.putLong(COUNT, 1);
        b.putLong(IDX, 0);
        b.putLong(OFF, 0);
        b.putLong(BUF_SIZE, size);
        b.putLong(BUF_FLAGS, FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK); // and zeroes the padding
        b.putLong(BUF_MEM, 0);
        b.putLong(BUF_FD, fd & 0xFFFF_FFFFL);
        b.putLong(BUF_POS, pos);
        return vec;
    }
}
