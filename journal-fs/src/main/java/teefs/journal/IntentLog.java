package teefs.journal;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.posix.Posix;

/**
 * A one-slot redo log that closes the window between "STORE changed" and "the record is in the queue".
 *
 * <p>Before each mutation touches STORE, the journal lock holder writes what it is about to do (type, paths,
 * range, the source inode of a rename or link) into this memory-mapped file, and clears it once the record is
 * appended. A process killed inside that window leaves the slot set; on the next start {@link Recovery} looks at
 * what STORE now shows for those paths and journals it, so STORE and QUEUE agree again before the mount opens.
 * The slot is memory-mapped: a store is in the page cache the moment it executes, so {@code kill -9} cannot lose it;
 * the state word is written last with release ordering, so a half-written slot is never taken as set.
 *
 * <p>Layout (little-endian): state u32 @0 (0 = empty), type u32 @4, a i64 @8, b i64 @16, inode i64 @24,
 * first length u16 @32, second length u16 @34, bytes of both from @36.
 *
 * <p>Thread-safety: only the journal lock holder calls {@link #begin} and {@link #clear}.
 */
final class IntentLog implements AutoCloseable {
    static final String FILE_NAME = "teefs-intent.bin";
    private static final int ACTIVE = 0x7EEF_1A7E;
    private static final int SIZE = 12 * 1024;
    private static final int STATE = 0;
    private static final int TYPE = 4;
    private static final int A = 8;
    private static final int B = 16;
    private static final int INODE = 24;
    private static final int LEN1 = 32;
    private static final int LEN2 = 34;
    private static final int BYTES = 36;

    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer slot;

    IntentLog(Path queueDir) {
        Path file = queueDir.resolve(FILE_NAME);
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (channel.size() < SIZE) {
                channel.write(java.nio.ByteBuffer.allocate(1), SIZE - 1);
            }
            allocate(file);
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the intent log " + file + ": " + e.getMessage()
                    + " (the queue directory must be writable)", e);
        }
        slot = new UnsafeBuffer(mapped);
    }

    /**
     * Gives every page of the slot its blocks now: the slot is written through the mapping, and the first store into
     * a page without blocks on a full disk is a SIGBUS, not an error (docs/JOURNAL.md, "Queue space").
     */
    private static void allocate(Path file) throws IOException {
        int fd = Posix.LIBC.open(file.toString(), Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open: " + Posix.strerror(Posix.errno()));
        }
        try {
            if (Posix.LIBC.fallocate(fd, 0, 0, SIZE) != 0) {
                int errno = Posix.errno();
                if (errno != Posix.EOPNOTSUPP && errno != Posix.ENOSYS) {
                    throw new IOException("cannot allocate its " + SIZE + " bytes: " + Posix.strerror(errno)
                            + " (free space on the queue's filesystem)");
                }
            }
        } finally {
            Posix.LIBC.close(fd);
        }
    }

    void begin(int type, byte[] first, byte[] second, long a, long b, long inode) {
        int len1 = first == null ? 0 : first.length;
        int len2 = second == null ? 0 : second.length;
        if (BYTES + len1 + len2 > SIZE) {
            throw new IllegalArgumentException("paths too long for the intent log: " + len1 + " + " + len2 + " bytes");
        }
        slot.putInt(TYPE, type);
        slot.putLong(A, a);
        slot.putLong(B, b);
        slot.putLong(INODE, inode);
        slot.putShort(LEN1, (short) len1);
        slot.putShort(LEN2, (short) len2);
        if (len1 > 0) {
            slot.putBytes(BYTES, first);
        }
        if (len2 > 0) {
            slot.putBytes(BYTES + len1, second);
        }
        slot.putIntRelease(STATE, ACTIVE);
    }

    void clear() {
        slot.putIntRelease(STATE, 0);
    }

    /** The intent a killed process left behind, or null when the slot is empty. */
    Intent pending() {
        if (slot.getIntVolatile(STATE) != ACTIVE) {
            return null;
        }
        int len1 = slot.getShort(LEN1) & 0xFFFF;
        int len2 = slot.getShort(LEN2) & 0xFFFF;
        if (BYTES + len1 + len2 > SIZE) {
            return null;
        }
        byte[] first = new byte[len1];
        byte[] second = new byte[len2];
        slot.getBytes(BYTES, first);
        slot.getBytes(BYTES + len1, second);
        return new Intent(slot.getInt(TYPE), new String(first, StandardCharsets.UTF_8),
                new String(second, StandardCharsets.UTF_8), slot.getLong(A), slot.getLong(B), slot.getLong(INODE));
    }

    /** Forces the slot to the disk (used with --sync always, so the slot outlives a power cut too). */
    void force() {
        mapped.force();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the mapping stays valid until unmapped; nothing is lost by a failed close
        }
    }

    /** What a killed process was doing: a record type code and the paths and numbers it involved. */
    record Intent(int type, String first, String second, long a, long b, long inode) {
    }
}
