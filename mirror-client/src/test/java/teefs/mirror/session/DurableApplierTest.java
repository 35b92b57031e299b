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

    /**
     * A drive unmounted under a running mirror (lazily: no write fails, they go on into the detached filesystem) or
     * swapped: the path TARGET now names another directory. No position may be saved for what was applied meanwhile.
     */
    @Test
    void noPositionIsSavedWhileTargetsPathNamesAnotherDirectory() throws Exception {
        source.file("a", "before").file("b", "while the drive is away");
        StateStore store = new StateStore(dir.resolve("state"));
        try (DurableApplier applier = open(MirrorState.NONE)) {
            source.applyTo(applier, 0, 0);
            applier.flush();
            long saved = store.load().orElseThrow().lastApplied();
            assertThat(saved).isEqualTo(0);

            Path away = Files.move(target, dir.resolve("unmounted-drive"));
            Files.createDirectories(target); // the empty mount point it leaves
            source.applyTo(applier, 1, source.last()); // still into the drive, through the open descriptors
            assertThat(away.resolve("b")).exists();
            assertThatThrownBy(applier::flush).isInstanceOf(teefs.mirror.apply.TargetUnavailableException.class)
                    .hasMessageContaining("vanished or was replaced");
            assertThat(store.load().orElseThrow().lastApplied()).as("the position stays where it was").isEqualTo(saved);
        }
    }

    /**
     * The position names the directory it was saved for: a mirror started on another one (the empty mount point of
     * a drive that is not mounted, a new drive, a directory made anew) pauses, and goes on once the right one is back.
     */
    @Test
    void aPositionSavedForAnotherDirectoryIsNotAppliedThere() throws Exception {
        source.file("a", "on the first drive");
        StateStore store = new StateStore(dir.resolve("state"));
        StateLog log = new StateLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "t");
        store.save(new MirrorState(QUEUE, MirrorState.NONE, MirrorState.NONE, Map.of()), false);
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.NONE, store.load().orElseThrow(),
                System::nanoTime, null, log)) {
            source.applyTo(applier, 0, source.last());
            applier.flush();
        }
        MirrorState saved = store.load().orElseThrow();
        assertThat(saved.target()).as("a state without a directory takes TARGET's at its next save")
                .isEqualTo(TargetIdentity.of(target));

        Path drive = Files.move(target, dir.resolve("drive-elsewhere"));
        Files.createDirectories(target);
        assertThatThrownBy(() -> new DurableApplier(target, store, SyncMode.NONE, saved, System::nanoTime, null, log))
                .isInstanceOf(teefs.mirror.apply.TargetUnavailableException.class)
                .hasMessageContaining("is not the one this mirror's position was saved for")
                .hasMessageContaining("--bootstrap");
        assertThat(target).isEmptyDirectory();

        Files.delete(target);
        Files.move(drive, target); // the drive is back (a rename keeps the inode and the birth time)
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.NONE, saved, System::nanoTime, null,
                log)) {
            assertThat(applier.applied()).isEqualTo(saved.lastApplied());
        }
    }
}
