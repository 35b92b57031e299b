package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.testing.Journal;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;

/** WRITE is the hot path: applying one must not allocate on the Java heap (for direct, e.g. mapped, frames). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteAllocationTest {
    @TempDir
    Path tmp;

    @Test
    void applyingWritesFromDirectMemoryDoesNotAllocate() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path target = Files.createDirectory(tmp.resolve("t"));
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_FRAME_LENGTH));
        int length = new RecordEncoder().wrap(frame, 0).write(1, 0, Journal.T0, 5, new byte[4096]);
        try (ApplyEngine engine = ApplyEngine.open(target)) {
            new Journal().create(1, "f", 0644).applyTo(engine);
            for (int i = 0; i < 20_000; i++) { // warm up: let the JIT settle and escape analysis kick in
                engine.apply(i, frame, 0, length);
            }
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            int writes = 10_000;
            for (int i = 0; i < writes; i++) {
                engine.apply(i, frame, 0, length);
            }
            long perWrite = (threads.getThreadAllocatedBytes(tid) - before) / writes;
            assertThat(perWrite).as("bytes allocated per applied WRITE").isLessThan(16);
        }
    }
}
