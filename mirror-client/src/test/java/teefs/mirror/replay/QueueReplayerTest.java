package teefs.mirror.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.testing.Journal;
import teefs.mirror.testing.Scenarios;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueueReplayerTest {
    @TempDir
    Path tmp;
    JournalQueue queue;
    long[] indexes;
    final TreeVerifier verifier = new TreeVerifier(VerifyOptions.full());

    @BeforeEach
    void journal() {
        queue = JournalQueue.openOrCreate(tmp.resolve("queue"));
        try (JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            indexes = Scenarios.everyday().appendTo(appender);
        }
    }

    @AfterEach
    void closeQueue() {
        queue.close();
    }

    private Path replayWhole(String name) throws IOException {
        Path target = Files.createDirectory(tmp.resolve(name));
        try (ApplyEngine engine = ApplyEngine.open(target)) {
            long last = new QueueReplayer(queue, engine, null).replay(-1, Long.MAX_VALUE);
            assertThat(last).isEqualTo(indexes[indexes.length - 1]);
        }
        return target;
    }

    @Test
    void oneReplayBuildsWhatDirectApplicationBuilds() throws IOException {
        Path viaQueue = replayWhole("via-queue");
        Path direct = Files.createDirectory(tmp.resolve("direct"));
        try (ApplyEngine engine = ApplyEngine.open(direct)) {
            Scenarios.everyday().applyTo(engine);
        }
        assertThat(verifier.compare(direct, viaQueue)).isEmpty();
    }

    @Test
    void replaySplitAtEveryIndexIntoSeparateReplayersEndsIdentical() throws IOException {
        Path whole = replayWhole("whole");
        for (int split = 1; split < indexes.length; split++) {
            Path target = Files.createDirectory(tmp.resolve("split-" + split));
            try (ApplyEngine first = ApplyEngine.open(target)) {
                new QueueReplayer(queue, first, null).replay(-1, indexes[split - 1]);
            }
            try (ApplyEngine second = ApplyEngine.open(target)) {
                long last = new QueueReplayer(queue, second, null).replay(indexes[split], Long.MAX_VALUE);
                assertThat(last).isEqualTo(indexes[indexes.length - 1]);
            }
            assertThat(verifier.compare(whole, target)).as("split before record %d", split).isEmpty();
        }
    }

    @Test
    void replaySplitAtRandomIndexesIntoManyReplayersEndsIdentical() throws IOException {
        Path whole = replayWhole("whole");
        Random random = new Random(4242);
        for (int round = 0; round < 8; round++) {
            Path target = Files.createDirectory(tmp.resolve("round-" + round));
            int at = 0;
            while (at < indexes.length) {
                int end = Math.min(indexes.length - 1, at + random.nextInt(6));
                try (ApplyEngine engine = ApplyEngine.open(target)) {
                    long last = new QueueReplayer(queue, engine, null).replay(indexes[at], indexes[end]);
                    assertThat(last).isEqualTo(indexes[end]);
                }
                at = end + 1;
            }
            assertThat(verifier.compare(whole, target)).as("round %d", round).isEmpty();
        }
    }

    @Test
    void untilStopsAfterThatIndex() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        try (ApplyEngine engine = ApplyEngine.open(target)) {
            // records 0..2: checkpoint, mkdir a, create a/f
            long last = new QueueReplayer(queue, engine, null).replay(-1, indexes[2]);
            assertThat(last).isEqualTo(indexes[2]);
            assertThat(engine.appliedCount()).isEqualTo(3);
        }
        assertThat(target.resolve("a/f")).exists().isEmptyFile();
        assertThat(target.resolve("a/sub")).doesNotExist();
    }

    @Test
    void anIndexNotInTheQueueIsRefused() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        try (ApplyEngine engine = ApplyEngine.open(target)) {
            QueueReplayer replayer = new QueueReplayer(queue, engine, null);
            assertThatThrownBy(() -> replayer.replay(indexes[indexes.length - 1] + 1000, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a record of");
        }
    }

    @Test
    void longReplaysReportProgress() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        try (ApplyEngine engine = ApplyEngine.open(target);
             PrintStream progress = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            // every reading of the clock moves it one second on: a line every 10 records
            new QueueReplayer(queue, engine, progress, () -> clock.addAndGet(1_000_000_000L))
                    .progressEvery(10_000_000_000L)
                    .replay(-1, Long.MAX_VALUE);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("replay: 10 records applied");
        assertThat(text.lines().count()).isBetween(3L, 6L);
    }

    @Test
    void anEmptyQueueReplaysNothing() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        try (JournalQueue empty = JournalQueue.openOrCreate(tmp.resolve("empty"));
             ApplyEngine engine = ApplyEngine.open(target)) {
            assertThat(new QueueReplayer(empty, engine, null).replay(-1, Long.MAX_VALUE)).isEqualTo(-1);
        }
        assertThat(target.toFile().list()).isEmpty();
    }

    @Test
    void withoutAnyCheckpointTheHandlesAreRebuiltFromTheFirstRecord() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        try (JournalQueue bare = JournalQueue.openOrCreate(tmp.resolve("bare"))) {
            long[] idx;
            try (JournalAppender appender = bare.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
                idx = new Journal().create(1, "f", 0644).write(1, 0, "one").write(1, 3, "two").release(1)
                        .appendTo(appender);
            }
            try (ApplyEngine engine = ApplyEngine.open(target)) {
                new QueueReplayer(bare, engine, null).replay(-1, idx[1]);
            }
            try (ApplyEngine engine = ApplyEngine.open(target)) {
                assertThat(new QueueReplayer(bare, engine, null).replay(idx[2], Long.MAX_VALUE)).isEqualTo(idx[3]);
            }
        }
        assertThat(Files.readString(target.resolve("f"))).isEqualTo("onetwo");
    }
}
