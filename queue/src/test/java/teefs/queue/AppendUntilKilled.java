package teefs.queue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;

/**
 * A writer for {@link KilledAppenderTest}, in a JVM of its own: {@code AppendUntilKilled QUEUE_DIR COUNT} appends
 * COUNT WRITE records (COUNT 0: until it is killed) as fast as it can, each carrying its id ({@code pid << 32 | n})
 * in the file-offset field, half of them small (inline), half large enough for the side file, then waits to be
 * killed. Prints READY after the first.
 */
public final class AppendUntilKilled {
    private AppendUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        long pid = ProcessHandle.current().pid();
        Random random = new Random(pid);
        RecordEncoder encoder = new RecordEncoder();
        UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
        for (int i = 0; i < data.capacity(); i++) {
            data.putByte(i, (byte) random.nextInt());
        }
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            for (int n = 0; count == 0 || n < count; n++) {
                int length = random.nextBoolean() ? 1 + random.nextInt(2048)
                        : JournalAppender.SIDE_DATA_THRESHOLD + random.nextInt(8 * 1024);
                appender.reserve(length + 256);
                int headLength = encoder.wrap(head, 0).writeHead(1, pid << 32 | n, 1_700_000_000L, 0, data, 0,
                        length);
                appender.append(head, 0, headLength, data, 0, length, RecordHeader.paddingFor(headLength + length));
                if (n == 0) {
                    System.out.println("READY");
                    System.out.flush();
                }
            }
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
