package teefs.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordEncoder;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/** Appends WRITE records to a queue, as journal-fs would; a server (in this JVM or another) tails the same files. */
final class TestJournal implements AutoCloseable {
    final JournalQueue queue;
    private final JournalAppender appender;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN));
    private final RecordEncoder encoder = new RecordEncoder();
    private long seq;

    TestJournal(Path dir) {
        queue = JournalQueue.openOrCreate(dir);
        appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0));
    }

    /** Appends {@code count} records of 100 data bytes; returns the last one's index. */
    long append(int count) {
        long last = -1;
        for (int i = 0; i < count; i++) {
            encoder.wrap(frame, 0);
            int length = encoder.write(7, seq++, 1, 2, new byte[100]);
            last = appender.append(frame, 0, length);
        }
        return last;
    }

    @Override
    public void close() {
        appender.close();
        queue.close();
    }
}
