package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teefs.protocol.RecordEncoder;

/**
 * The appender's mapping of the cycle file has read-ahead off (the kernel's {@code rr} flag in /proc/self/smaps),
 * in the first chunk and in the ones after it, so that a fault in never-written pages zeroes one page, not a whole
 * read-ahead window (see {@link MappingAdvice}).
 */
class MappingAdviceTest {
    @TempDir
    Path dir;

    @Test
    void everyChunkTheAppenderWritesInHasReadAheadOff() throws Exception {
        RecordEncoder encoder = new RecordEncoder();
        UnsafeBuffer frame = new UnsafeBuffer(new byte[20_000]);
        byte[] data = new byte[16_000];
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            // past the first chunk (Chronicle maps the cycle file 64 MiB at a time): 6,000 records of 16 KB
            for (int i = 0; i < 6_000; i++) {
                appender.reserve(data.length + 256);
                appender.append(frame, 0, encoder.wrap(frame, 0).write(1, (long) i * data.length, 1, 0, data));
            }
            List<String> flags = cycleFileMappingFlags(dir.resolve("q"));
            assertThat(flags).as("the cycle file's mappings in this process").hasSizeGreaterThanOrEqualTo(2);
            assertThat(flags).as("VmFlags of each: 'rr' is MADV_RANDOM, read-ahead off").allMatch(f -> f.contains(" rr"));
        }
    }

    /** The VmFlags line of each mapping of a .cq4 file under {@code queueDir}, from /proc/self/smaps. */
    private static List<String> cycleFileMappingFlags(Path queueDir) throws IOException {
        List<String> flags = new ArrayList<>();
        boolean inCycleFile = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inCycleFile = line.contains(queueDir.toString()) && line.endsWith(".cq4");
            } else if (inCycleFile && line.startsWith("VmFlags:")) {
                flags.add(line + " ");
            }
        }
        return flags;
    }
}
