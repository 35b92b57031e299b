package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A record that does not follow the last applied one, inside a queue cycle, is refused before anything of it. */
class StreamGapTest {
    private static final String QUEUE = "6c1f2a8e-4b7d-4e0a-9c3b-2d5e8f1a7b90";

    @TempDir
    Path dir;

    @Test
    void aRecordLeavingOutOthersOfItsCycleIsRefusedAndTheNextCycleIsNot() throws Exception {
        LiveSource source = new LiveSource(dir.resolve("store"));
        Path target = Files.createDirectories(dir.resolve("target"));
        source.file("a", "first").file("b", "second").file("c", "third");
        StateStore store = new StateStore(dir.resolve("state"));
        store.save(new MirrorState(QUEUE, -1, MirrorState.NONE, Map.of()), false);
        long cycle = 1L << 32; // FAST_HOURLY: the cycle is the index's upper 32 bits
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.NONE, store.load().orElseThrow(),
                System::nanoTime)) {
            source.applyAs(applier, 0, cycle); // CREATE a
            source.applyAs(applier, 1, cycle + 1);
            assertThatThrownBy(() -> source.applyAs(applier, 3, cycle + 5))
                    .isInstanceOf(StreamGapException.class)
                    .hasMessageContaining("record #" + (cycle + 5) + " came right after #" + (cycle + 1))
                    .hasMessageContaining("leaving out the 3 record(s)");
            assertThat(applier.applied()).isEqualTo(cycle + 1);
            assertThat(target.resolve("b")).as("nothing of the refused record").doesNotExist();

            source.applyAs(applier, 1, cycle + 1); // an overlap after reconnecting: skipped, as always
            source.applyAs(applier, 2, cycle + 2);
            source.applyAs(applier, 3, 2 * cycle); // the next cycle starts over at sequence 0
            assertThat(applier.applied()).isEqualTo(2 * cycle);
            assertThat(target.resolve("b")).exists();
        }
    }
}
