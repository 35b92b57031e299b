package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * The remembered answer of {@link RestatementTracker} is always the one a full backward scan gives: when polls see
 * the head grow with or without new restatements, repeat a head, or go back to an older one.
 */
@Timeout(60)
class RestatementTrackerTest {
    @TempDir
    Path dir;

    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH));
    private final List<Long> indexes = new ArrayList<>();

    private void reset(JournalAppender appender) {
        indexes.add(appender.append(scratch, 0, encoder.wrap(scratch, 0).checkpointBegin(1, 7L)
                .checkpointEntry(3, "open".getBytes(StandardCharsets.UTF_8)).checkpointEnd()));
    }

    private void continuation(JournalAppender appender) {
        indexes.add(appender.append(scratch, 0, encoder.wrap(scratch, 0).checkpointBegin(0, 7L)
                .checkpointEntry(4, "more".getBytes(StandardCharsets.UTF_8)).checkpointEnd()));
    }

    private void release(JournalAppender appender, int handle) {
        indexes.add(appender.append(scratch, 0, encoder.wrap(scratch, 0).release(handle)));
    }

    @Test
    void eachPollAnswersWhatAFullScanWould() {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.BATCH, 10, 0))) {
            RestatementTracker tracker = new RestatementTracker(queue);
            assertThat(tracker.at(-1)).isEqualTo(-1);
            release(appender, 1);                           // 0: no restatement yet
            assertThat(tracker.at(indexes.get(0))).isEqualTo(-1);
            reset(appender);                                // 1
            release(appender, 2);                           // 2
            assertThat(tracker.at(indexes.get(2))).isEqualTo(indexes.get(1));
            assertThat(tracker.at(indexes.get(2))).as("the same head again").isEqualTo(indexes.get(1));
            continuation(appender);                         // 3: not where a reader can begin
            release(appender, 3);                           // 4
            assertThat(tracker.at(indexes.get(4))).as("only new records scanned, none restates")
                    .isEqualTo(indexes.get(1));
            reset(appender);                                // 5
            for (int i = 0; i < 5; i++) {
                release(appender, 10 + i);                  // 6..10
            }
            assertThat(tracker.at(indexes.get(10))).isEqualTo(indexes.get(5));
            assertThat(tracker.at(indexes.get(3))).as("an older head: a scan of its own")
                    .isEqualTo(indexes.get(1));
            assertThat(tracker.at(indexes.get(10))).isEqualTo(indexes.get(5));
            for (int i = 0; i <= 10; i++) {
                assertThat(new RestatementTracker(queue).at(indexes.get(i))).as("fresh tracker at %d", i)
                        .isEqualTo(queue.lastRestatementAtOrBefore(indexes.get(i), RestatementTracker.LOOKBACK));
            }
        }
    }
}
