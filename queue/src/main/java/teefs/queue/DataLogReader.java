package teefs.queue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import teefs.posix.Posix;
import teefs.protocol.RecordHeader;

/**
 * Puts a {@link DataRef} document back together as the inline WRITE frame it stands for: the 40-byte head, the data
 * read from the cycle's {@link DataLog} file, zero padding. The frame's CRC was computed over exactly these bytes
 * when it was written, so a reader that validates it also validates the side file.
 *
 * <p>Not thread-safe: it belongs to the {@link JournalReader}'s thread. Keeps one read-only descriptor per data file.
 */
final class DataLogReader implements AutoCloseable {
    private final Path dir;
    private final Map<Integer, Integer> descriptors = new HashMap<>();
    private static final int PAGE = 4096;
    /** Owns the frame's memory: the frame below is a view at an address inside it. */
    private final ByteBuffer frameMemory =
            ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH + 16 + PAGE);
    /**
     * Placed so that the WRITE's data starts on a page boundary, 40 bytes after the frame's start: the kernel's two
     * copies (pread into it, then the replay's pwrite out of it) ran about 10% faster on big WRITEs than with the frame
     * itself page-aligned and the data 40 bytes past a boundary (docs/BENCHMARKS.md, eleventh session).
     */
    private final UnsafeBuffer frame = pageAlignedData(frameMemory);

    private static UnsafeBuffer pageAlignedData(ByteBuffer memory) {
        long data = (BufferUtil.address(memory) + DataRef.HEAD_LENGTH + PAGE - 1) & -PAGE;
        return new UnsafeBuffer(data - DataRef.HEAD_LENGTH, RecordHeader.MAX_RECORD_LENGTH + 16);
    }

    /** A view over wherever the frame being assembled goes. */
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);

    DataLogReader(Path dir) {
        this.dir = dir;
    }

    /** Assembles the frame of the reference at {@code ref[offset..]}; returns the buffer, valid until the next call. */
    DirectBuffer assemble(long index, DirectBuffer ref, int offset) {
        assembleAt(index, ref, offset, frame.addressOffset());
        return frame;
    }

    /**
     * Assembles the frame of the reference at {@code ref[offset..]} into native memory at {@code address}, which must
     * hold {@link #frameLength} bytes.
     */
    void assembleAt(long index, DirectBuffer ref, int offset, long address) {
        int cycle = DataRef.cycle(ref, offset);
        long dataOffset = DataRef.dataOffset(ref, offset);
        int dataLength = DataRef.dataLength(ref, offset);
        int padded = RecordHeader.align16(DataRef.HEAD_LENGTH + dataLength);
        check(index, dataLength);
        target.wrap(address, padded);
        target.putBytes(0, ref, offset, DataRef.HEAD_LENGTH);
        int fd = descriptor(index, cycle);
        long done = 0;
        while (done < dataLength) {
            long n = Posix.LIBC.pread(fd, address + DataRef.HEAD_LENGTH + done, dataLength - done, dataOffset + done);
            if (n <= 0) {
                throw missing(index, cycle, dataOffset, dataLength,
                        n == 0 ? "the file ends early" : Posix.strerror(Posix.errno()));
            }
            done += n;
        }
        target.setMemory(DataRef.HEAD_LENGTH + dataLength, padded - DataRef.HEAD_LENGTH - dataLength, (byte) 0);
    }

    /** Refuses a reference whose data length no frame can have. */
    void check(long index, int dataLength) {
        if (dataLength <= 0 || RecordHeader.align16(DataRef.HEAD_LENGTH + dataLength) > frame.capacity()) {
            throw new QueueException("record " + index + " in " + dir + " refers to " + dataLength
                    + " bytes of side data: the journal is corrupt there");
        }
    }

    int frameLength(DirectBuffer ref, int offset) {
        return RecordHeader.align16(DataRef.HEAD_LENGTH + DataRef.dataLength(ref, offset));
    }

    private int descriptor(long index, int cycle) {
        Integer fd = descriptors.get(cycle);
        if (fd == null) {
            Path file = DataLog.fileFor(dir, cycle);
            int opened = Posix.LIBC.open(file.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
            if (opened < 0) {
                throw new QueueException("record " + index + " keeps its data in " + file + ", which cannot be "
                        + "opened (" + Posix.strerror(Posix.errno()) + "): the journal's data files must stay "
                        + "with its cycle files");
            }
            fd = opened;
            descriptors.put(cycle, fd);
        }
        return fd;
    }

    private QueueException missing(long index, int cycle, long offset, int length, String why) {
        return new QueueException("record " + index + ": its " + length + " bytes of data at offset " + offset
                + " of " + DataLog.fileFor(dir, cycle) + " cannot be read (" + why + "): the journal is damaged there");
    }

    @Override
    public void close() {
        for (int fd : descriptors.values()) {
            Posix.LIBC.close(fd);
        }
        descriptors.clear();
    }
}
