package teefs.broadcast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * Test helper: a queue with an appender that writes WRITE records whose file offset is a sequence number and
 * whose data is a pattern derived from it, so a receiver can check every record's identity and content.
 * Belongs to the test thread that appends.
 */
final class Journal implements AutoCloseable {
    final JournalQueue queue;
    private final JournalAppender appender;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2 << 20).order(ByteOrder.LITTLE_ENDIAN));
    private final UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN));
    private final UnsafeBuffer sideData = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordEncoder.MAX_WRITE_DATA));
    private final RecordEncoder encoder = new RecordEncoder();
    private long seq;

    Journal(Path dir) {
        queue = JournalQueue.openOrCreate(dir);
        appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0));
    }

    /** Appends one record with {@code dataBytes} of data; returns its index. */
    long append(int dataBytes) {
        byte[] data = new byte[dataBytes];
        long s = seq++;
        for (int i = 0; i < dataBytes; i++) {
            data[i] = (byte) (s * 31 + i);
        }
        encoder.wrap(frame, 0);
        int length = encoder.write(7, s, 1, 2, data);
        return appender.append(frame, 0, length);
    }

    /**
     * Appends one record as journal-fs appends a FUSE write: head plus data in native memory, which the queue keeps
     * in its side data file when it is large (at least 32 KiB); returns its index.
     */
    long appendSide(int dataBytes) {
        long s = seq++;
        for (int i = 0; i < dataBytes; i++) {
            sideData.putByte(i, (byte) (s * 31 + i));
        }
        int headLength = encoder.wrap(head, 0).writeHead(7, s, 1, 2, sideData, 0, dataBytes);
        return appender.append(head, 0, headLength, sideData, 0, dataBytes, RecordHeader.paddingFor(headLength + dataBytes));
    }

    /** Appends a RELEASE of {@code handle}, a record that changes the handle table; returns its index. */
    long appendRelease(int handle) {
        int length = encoder.wrap(frame, 0).release(handle);
        return appender.append(frame, 0, length);
    }

    /** Appends a CHECKPOINT restating one handle, with RESET (where a reader may begin) or as a continuation. */
    long appendCheckpoint(boolean reset) {
        int length = encoder.wrap(frame, 0).checkpointBegin(reset ? 1 : 0, 42L)
                .checkpointEntry(7, "open".getBytes(java.nio.charset.StandardCharsets.UTF_8)).checkpointEnd();
        return appender.append(frame, 0, length);
    }

    long appendMany(int count, int dataBytes) {
        long last = -1;
        for (int i = 0; i < count; i++) {
            last = append(dataBytes);
        }
        return last;
    }

    /** The sequence number a test record carries (its WRITE offset). */
    static long seqOf(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + 16, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        appender.close();
        queue.close();
    }
}
