package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.testing.Journal;

/**
 * {@code --sync batch}: the periodic flush runs on its own thread while records are applied, saves positions in
 * order and only ones applied before it began, and its failures reach the mirror thread.
 */
@Timeout(60)
class BackgroundFlushTest {
    private static final String QUEUE = "0b9d3c5e-7c1a-4a57-9d0e-3d6f1f2a4b11";
    private static final long BATCH = 1_000;

    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong();

    @Test
    void thePeriodicFlushSavesInTheBackgroundWhatWasAppliedBeforeItBegan() throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        StateStore store = new StateStore(dir.resolve("state"));
        List<byte[]> frames = new Journal().create(1, "f", 0644).write(1, 0, "hello").release(1)
                .mkdir("d", 0755).frames();
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.BATCH,
                new MirrorState(QUEUE, -1, MirrorState.NONE, Map.of()), now::get)) {
            apply(applier, frames, 0, 1);
            assertThat(applier.flushDue(BATCH)).isFalse();
            now.addAndGet(BATCH);
            assertThat(applier.flushDue(BATCH)).isTrue();
            assertThat(applier.flushInBackground()).as("nothing durable yet").isEqualTo(-1);
            apply(applier, frames, 2, 3); // applied while the flush is in flight

            awaitDue(applier);
            assertThat(applier.flushInBackground()).as("the flush covered what was applied before it began")
                    .isEqualTo(1);
            assertThat(applier.saved().handles()).containsEntry(1, "f");
            assertThat(applier.flush()).isEqualTo(3);
            assertThat(store.load().orElseThrow().lastApplied()).isEqualTo(3);
            assertThat(store.load().orElseThrow().handles()).isEmpty();
            assertThat(applier.flushDue(BATCH)).isFalse();
        }
        assertThat(Files.readString(target.resolve("f"))).isEqualTo("hello");
        assertThat(target.resolve("d")).isDirectory();
    }

    @Test
    void aFailedBackgroundFlushIsThrownOnTheMirrorThread() throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        Path stateDir = Files.createDirectories(dir.resolve("state-dir"));
        StateStore store = new StateStore(stateDir.resolve("state"));
        List<byte[]> frames = new Journal().mkdir("a", 0755).mkdir("b", 0755).frames();
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.BATCH,
                new MirrorState(QUEUE, -1, MirrorState.NONE, Map.of()), now::get)) {
            apply(applier, frames, 0, 0);
            Files.delete(stateDir); // the state file cannot be written any more
            now.addAndGet(BATCH);
            applier.flushInBackground();
            awaitDue(applier);
            assertThatThrownBy(applier::flushInBackground).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining(stateDir.toString());
            Files.createDirectories(stateDir);
            apply(applier, frames, 1, 1);
            assertThat(applier.flush()).as("the next flush saves everything").isEqualTo(1);
        }
        assertThat(store.load().orElseThrow().lastApplied()).isEqualTo(1);
    }

    private static void apply(DurableApplier applier, List<byte[]> frames, int from, int to) {
        for (int i = from; i <= to; i++) {
            applier.accept(i, new UnsafeBuffer(frames.get(i)), 0, frames.get(i).length);
        }
    }

    private static void awaitDue(DurableApplier applier) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!applier.flushDue(BATCH)) {
            assertThat(System.nanoTime()).as("the flush in flight ends").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
