package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the applier checks and tells about the stream, outside any bootstrap window: a record that does not follow the
 * last one applied inside its queue cycle is refused before anything of it, and writes that find no file on TARGET
 * are told on the log.
 */
class DurableApplierTest {
    private static final String QUEUE = "0b4f3a52-7d1e-4bb0-9a51-4f2f8c1f5e11";

    @TempDir
    Path dir;
    private LiveSource source;
    private Path target;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        source = new LiveSource(dir.resolve("store"));
        target = Files.createDirectories(dir.resolve("target"));
    }

    /** An applier on TARGET that last applied {@code lastApplied}, telling the log {@link #logText}. */
    private DurableApplier open(long lastApplied) {
        StateStore store = new StateStore(dir.resolve("state"));
        store.save(new MirrorState(QUEUE, lastApplied, MirrorState.NONE, Map.of()), false);
        StateLog log = new StateLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "t");
        return new DurableApplier(target, store, SyncMode.NONE, store.load().orElseThrow(), System::nanoTime, null,
                log);
    }

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aRecordLeavingOutOthersOfItsCycleIsRefusedAndTheNextCycleIsNot() throws Exception {
        source.file("a", "first").file("b", "second").file("c", "third");
        long cycle = 1L << 32; // FAST_HOURLY: the cycle is the index's upper 32 bits
        try (DurableApplier applier = open(MirrorState.NONE)) {
            source.applyAs(applier, 0, cycle); // CREATE a
            source.applyAs(applier, 1, cycle + 1);
            assertThatThrownBy(() -> source.applyAs(applier, 3, cycle + 5))
                    .isInstanceOf(StreamGapException.class)
                    .hasMessageContaining("record #" + (cycle + 5) + " came right after #" + (cycle + 1))
                    .hasMessageContaining("leaving out the 3 record(s)");
            assertThat(applier.applied()).isEqualTo(cycle + 1);
            assertThat(target.resolve("b")).as("nothing of the refused record (CREATE b)").doesNotExist();

            source.applyAs(applier, 1, cycle + 1); // an overlap after reconnecting: skipped, as always
            source.applyAs(applier, 2, cycle + 2);
            source.applyAs(applier, 3, 2 * cycle); // the next cycle starts over at sequence 0
            assertThat(applier.applied()).isEqualTo(2 * cycle);
            assertThat(target.resolve("b")).exists();
        }
    }

    @Test
    void writesToAFileMissingFromTargetAreToldAtTheNextFlushOnly() throws Exception {
        source.existing("kept", "on both").existing("gone", "on the source only");
        source.copyTo(target, "/gone"); // TARGET lost it behind the mirror's back
        long first = source.next();
        int toGone = source.associate("gone");
        source.append(toGone, "gone", ", one").append(toGone, "gone", ", two");
        long missing = source.last();
        int toKept = source.associate("kept");
        source.append(toKept, "kept", ", and more");

        try (DurableApplier applier = open(first - 1)) {
            source.applyTo(applier, first, missing);
            applier.flush();
            assertThat(logText()).contains("2 writes up to index " + missing + " found no file on TARGET")
                    .contains("check with teefs verify");

            source.applyTo(applier, missing + 1, source.last());
            applier.flush();
        }
        assertThat(logText()).as("said once: the later writes all landed").containsOnlyOnce("found no file");
        assertThat(Files.readString(target.resolve("kept"))).isEqualTo("on both, and more");
    }
}
