package teefs.broadcast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordEncoder;
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
