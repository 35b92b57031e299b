package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;

/**
 * Exact resume at the queue's level: after writers were SIGKILLed in the middle of their appends (as journal-fs is
 * by the fault suite), an index names one record, the same one whether a reader reached it by reading on from the
 * start (as a connected mirror does) or by seeking to it (as a mirror resuming after a restart or a pause does).
 * Were they to disagree, a resumed mirror would skip or repeat records.
 */
@Timeout(300)
class KilledAppenderTest {
    private static final int KILLS = 8;
    private static final int LAST_WRITER_RECORDS = 20;

    @TempDir
    Path dir;

    @Test
    void everyIndexNamesTheSameRecordByTailAndBySeekAfterWritersWereKilledMidAppend() throws Exception {
        Path queueDir = dir.resolve("q");
        Random random = new Random();
        for (int i = 0; i < KILLS; i++) {
            // each writer appends until it is killed, so the kill lands in the middle of its stream; the last one
            // stops first, so that the queue ends with its records
            Process writer = startWriter(queueDir, i == KILLS - 1 ? LAST_WRITER_RECORDS : 0);
            Thread.sleep(i == KILLS - 1 ? 500 : 10 + random.nextInt(50));
            writer.destroyForcibly(); // SIGKILL
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        List<Long> indexes = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        RecordDecoder decoder = new RecordDecoder();
        try (JournalQueue queue = JournalQueue.openExisting(queueDir); JournalReader reader = queue.reader()) {
            while (reader.readNext((index, buffer, offset, length) -> {
                indexes.add(index);
                ids.add(id(decoder, buffer, offset, length));
            })) {
                // read on to the end
            }
            assertThat(indexes).as("records read from the start").hasSizeGreaterThan(KILLS);
            Set<Long> writers = new HashSet<>();
            ids.forEach(x -> writers.add(x >>> 32)); // the writer's pid
            assertThat(writers).as("every writer appended before it was killed").hasSize(KILLS);
            Set<Long> unique = new HashSet<>(ids);
            assertThat(unique).as("no record read twice").hasSameSizeAs(ids);
            for (int i = 1; i < indexes.size(); i++) {
                long previous = indexes.get(i - 1);
                long index = indexes.get(i);
                if (queue.cycleOf(index) == queue.cycleOf(previous)) {
                    // what a mirror checks of its stream: inside a cycle, no index is ever missing
                    assertThat(index).as("the index after %d, in the same cycle", previous).isEqualTo(previous + 1);
                } else {
                    assertThat(index).as("indexes in order").isGreaterThan(previous);
                }
            }
            long[] seen = new long[1];
            for (int i = 0; i < indexes.size(); i++) {
                long index = indexes.get(i);
                assertThat(reader.seekTo(index)).as("seek to index %d", index).isTrue();
                seen[0] = -1;
                assertThat(reader.readNext((x, buffer, offset, length) -> {
                    seen[0] = id(decoder, buffer, offset, length);
                })).isTrue();
                assertThat(seen[0]).as("the record at index %d, by seek", index).isEqualTo(ids.get(i));
                if (i + 1 < indexes.size()) {
                    assertThat(reader.seekAfter(index)).as("seek after index %d", index).isTrue();
                    long[] next = {-1, -1};
                    assertThat(reader.readNext((x, buffer, offset, length) -> {
                        next[0] = x;
                        next[1] = id(decoder, buffer, offset, length);
                    })).isTrue();
                    assertThat(next).as("the record after index %d, by seek", index)
                            .containsExactly(indexes.get(i + 1), ids.get(i + 1));
                }
            }
        }
    }

    /** The writer's id of a record (its file-offset field), the record checked whole (CRC included). */
    private static long id(RecordDecoder decoder, org.agrona.DirectBuffer buffer, int offset, int length) {
        try {
            decoder.wrap(buffer, offset, length);
        } catch (MalformedRecordException e) {
            throw new AssertionError("a record read back is damaged: " + e.getMessage(), e);
        }
        return decoder.offset();
    }

    private static Process startWriter(Path queueDir, int records) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Dchronicle")).forEach(cmd::add);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AppendUntilKilled.class.getName());
        cmd.add(queueDir.toString());
        cmd.add(String.valueOf(records));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.equals("READY")) {
                return p;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the writer ended before its first append:\n" + seen);
    }
}
