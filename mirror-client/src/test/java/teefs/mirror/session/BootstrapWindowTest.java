package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.verify.Difference;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

/**
 * The bootstrap window made deterministic: a source changed like STORE under journal-fs ({@link LiveSource}), a
 * TARGET copied from it with rsync leaving out what a fuzzy copy would have missed, then the journal after the head
 * index applied through the {@link DurableApplier}. Inside the window TARGET must end identical to the source (by the
 * tree verifier, what 'teefs verify' runs); outside it, the same records leave it as they always did.
 */
@Timeout(120)
class BootstrapWindowTest {
    private static final String QUEUE = "5f6ab8f4-21aa-4c4a-94cb-701125192aa0";

    @TempDir
    Path dir;
    private LiveSource source;
    private Path target;
    private StateStore store;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final StateLog log = new StateLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "test");
    private final AtomicInteger headAsked = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        source = new LiveSource(dir.resolve("store"));
        target = Files.createDirectories(dir.resolve("target"));
        store = new StateStore(dir.resolve("state"));
    }

    @Test
    void aFileAndADirectoryRenamedBetweenListingAndCopyAreCopiedAgain() throws Exception {
        source.existing("x", "renamed after rsync listed it").existing("d/f", "in a directory")
                .existing("d/sub/g", "deeper").existing("keep", "untouched");
        // rsync listed x and d, then both were renamed: x vanished, d was created empty on TARGET
        Path plain = Files.createDirectories(dir.resolve("plain"));
        source.copyTo(target, "/x", "/d/**");
        source.copyTo(plain, "/x", "/d/**");
        long h = source.next();
        source.rename("x", "y").rename("d", "d2").file("d2/sub/h", "written after the rename");

        assertThat(applyOutsideAnyWindow(h, plain)).extracting(Difference::path).contains("y", "d2/f", "d2/sub");

        apply(h, source.last());
        assertIdentical();
        assertThat(logText()).contains("RENAME: copied [y] again").contains("RENAME: copied [d2] again");
    }

    @Test
    void aLinkWhoseNameVanishedKeepsItsHardLinkThroughALaterRename() throws Exception {
        source.existing("h", "one inode, three names over time").existing("other", "o");
        source.copyTo(target, "/h");
        long h = source.next();
        source.link("h", "h2").rename("h", "h3");

        apply(h, source.last());

        assertIdentical();
        assertThat(Files.isSameFile(target.resolve("h2"), target.resolve("h3"))).isTrue();
    }

    @Test
    void reusedNamesAreNotTrustedEvenWhenNothingVanished() throws Exception {
        // a log rotation between rsync's listing and its copies: both names still existed when rsync copied them,
        // so rsync reports nothing, but TARGET's log.1 holds the old log
        source.existing("log", "current log").existing("log.1", "previous log");
        long h = source.next();
        source.rename("log.1", "log.2").rename("log", "log.1").file("log", "new log");
        source.copyTo(target, "/log.2");

        apply(h, source.last());

        assertIdentical();
        assertThat(Files.readString(target.resolve("log.2"))).isEqualTo("previous log");
    }

    @Test
    void aCopyThatIsAheadIsFollowedPastTheEndOfTheWindow() throws Exception {
        source.existing("x", "the file the rename moved").existing("keep", "k");
        source.copyTo(target, "/x");
        long h = source.next();
        source.rename("x", "y");
        long end = source.last();
        // after the window: y moves on and its name is reused; the repair of the window's rename copies the new y
        source.rename("y", "z").file("y", "another file under the same name");

        apply(h, source.last(), end);

        assertIdentical();
        assertThat(Files.readString(target.resolve("z"))).isEqualTo("the file the rename moved");
        assertThat(headAsked.get()).isPositive();
        assertThat(logText()).contains("record #" + (end + 1) + " RENAME: copied [z] again");
    }

    @Test
    void anOpenHandleFollowsItsFileWhenTheCopiedNameHoldsADirectoryMeanwhile() throws Exception {
        source.existing("x", "open while it moves");
        source.copyTo(target);
        long h = source.next();
        int handle = source.associate("x");
        source.append(handle, "x", ", written before the rename").rename("x", "y");
        long end = source.last();
        source.append(handle, "y", ", after").rename("y", "z").mkdir("y").append(handle, "z", ", at last");

        // the repair of x→y copies y as it is now: a directory; the handle bound to y has no file until y→z
        apply(h, source.last(), end);

        assertIdentical();
        assertThat(Files.readString(target.resolve("z")))
                .isEqualTo("open while it moves, written before the rename, after, at last");
    }

    @Test
    void aRestartInsideTheWindowStillRepairsAndTheWindowIsDroppedOnceApplied() throws Exception {
        source.existing("a", "first").existing("b", "second");
        source.copyTo(target, "/a", "/b");
        long h = source.next();
        source.rename("a", "a2");
        long crashAfter = source.last();
        source.rename("b", "b2");
        long end = source.last();
        source.file("after", "outside the window");
        store.save(new MirrorState(QUEUE, h - 1, MirrorState.NONE, Map.of(), new BootstrapWindow(end,
                source.dir.toString(), Map.of())), true);

        try (DurableApplier first = open()) {
            source.applyTo(first, h, crashAfter);
            first.flush();
        } // the process dies here: a new one starts from the saved state
        MirrorState saved = store.load().orElseThrow();
        assertThat(saved.lastApplied()).isEqualTo(crashAfter);
        assertThat(saved.window()).isNotNull();
        assertThat(saved.window().end()).isEqualTo(end);
        assertThat(saved.window().source()).isEqualTo(source.dir.toString());

        try (DurableApplier second = open()) {
            source.applyTo(second, crashAfter + 1, source.last());
            second.flush();
        }
        assertIdentical();
        assertThat(store.load().orElseThrow().window()).as("the window, once applied").isNull();
        assertThat(logText()).contains("bootstrap window applied")
                .as("a restart cannot know what the window's first records made: the audit runs")
                .contains("hard-link audit of TARGET in");
    }

    @Test
    void straightFromTheBootstrapTheHeadRecordNeedsNoRepairAndNoCreateMeansNoAudit() throws Exception {
        source.existing("x", "renamed before the copy").existing("keep", "k");
        source.rename("x", "y"); // the head the bootstrap noted: journaled before its copy began
        long head = source.last();
        source.copyTo(target);
        int handle = source.associate("keep");
        source.append(handle, "keep", ", written during the copy");
        long end = source.last();

        applyFromBootstrap(head, end);

        assertIdentical();
        assertThat(logText()).doesNotContain("copied [y]")
                .contains("hard-link audit skipped: no file, directory or symlink was created while the tree was"
                        + " copied").contains("bootstrap window applied");
        assertThat(headAsked.get()).as("no repair, so no mark to ask the server's head for").isZero();
    }

    @Test
    void straightFromTheBootstrapAFileCreatedDuringTheCopyMeansTheAuditRuns() throws Exception {
        source.existing("keep", "k");
        source.file("before", "journaled before the copy");
        long head = source.last();
        source.copyTo(target);
        source.file("during", "made while rsync ran: its inode may be one freed meanwhile");
        long end = source.last();

        applyFromBootstrap(head, end);

        assertIdentical();
        assertThat(logText()).contains("hard-link audit of TARGET in").doesNotContain("hard-link audit skipped");
    }

    /** What a mirror does right after its bootstrap: head H's handles tracked, records from H on applied. */
    private void applyFromBootstrap(long head, long end) throws Exception {
        store.save(new MirrorState(QUEUE, head - 1, head, Map.of(), new BootstrapWindow(end, source.dir.toString(),
                Map.of())), true);
        try (DurableApplier applier = open()) {
            assertThat(applier.tracking()).isTrue();
            source.applyTo(applier, head, source.last());
            applier.flush();
        }
    }

    @Test
    void aRepairReadsNothingThroughASymlinkOfTheSource() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("y"), "secret outside the source");
        source.existing("x", "moved into dir").existing("dir/keep", "k");
        source.copyTo(target, "/x");
        long h = source.next();
        source.rename("x", "dir/y").rename("dir", "dir.old").symlink("dir", outside.toString());
        long renameIntoDir = h;

        try (DurableApplier applier = open(h, source.last())) {
            source.applyTo(applier, h, renameIntoDir);
            // SOURCE's dir is a symlink now: the repair of dir/y copies nothing, TARGET's dir stays a directory
            assertThat(Files.isDirectory(target.resolve("dir"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
            assertThat(target.resolve("dir/y")).doesNotExist();
            source.applyTo(applier, renameIntoDir + 1, source.last());
        }
        assertIdentical();
        assertThat(Files.readString(outside.resolve("y"))).isEqualTo("secret outside the source");
        assertThat(Files.isSymbolicLink(target.resolve("dir"))).isTrue();
    }

    @Test
    void theWindowSurvivesTheStateFileAndAStateWithoutOneStaysVersion1() throws Exception {
        MirrorState plain = new MirrorState(QUEUE, 7, MirrorState.NONE, Map.of(1, "f"));
        assertThat(StateStore.encode(plain)[11]).as("version byte").isEqualTo((byte) 1);
        MirrorState windowed = plain.applied(9, Map.of(2, "g"), new BootstrapWindow(42, "host:/srv/störe",
                Map.of("a/b", 50L, "c\nd", 60L)));
        store.save(windowed, true);
        assertThat(store.load()).contains(windowed);
        assertThat(StateStore.encode(windowed)[11]).isEqualTo((byte) 2);
        assertThat(windowed.applied(10, Map.of()).window()).isNull();
    }

    private List<Difference> applyOutsideAnyWindow(long h, Path plain) throws Exception {
        StateStore plainStore = new StateStore(dir.resolve("plain-state"));
        plainStore.save(new MirrorState(QUEUE, h - 1, MirrorState.NONE, Map.of()), false);
        try (DurableApplier applier = new DurableApplier(plain, plainStore, SyncMode.NONE,
                plainStore.load().orElseThrow(), System::nanoTime)) {
            source.applyTo(applier, h, source.last());
        }
        return new TreeVerifier(VerifyOptions.full()).compare(source.dir, plain);
    }

    private void apply(long h, long last) throws Exception {
        apply(h, last, last);
    }

    private void apply(long h, long last, long end) throws Exception {
        try (DurableApplier applier = open(h, end)) {
            source.applyTo(applier, h, last);
            applier.flush();
        }
    }

    private DurableApplier open(long h, long end) {
        store.save(new MirrorState(QUEUE, h - 1, MirrorState.NONE, Map.of(), new BootstrapWindow(end,
                source.dir.toString(), Map.of())), false);
        return open();
    }

    /** What Mirror.open does, with the source's last index as the server's head. */
    private DurableApplier open() {
        MirrorState state = store.load().orElseThrow();
        BootstrapWindow window = state.window();
        WindowRepair repair = window == null ? null : new WindowRepair(window,
                new SourceCopy(window.source(), target, () -> false), () -> {
                    headAsked.incrementAndGet();
                    return source.last();
                }, log);
        return new DurableApplier(target, store, SyncMode.NONE, state, System::nanoTime, repair, log);
    }

    private void assertIdentical() throws Exception {
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(source.dir, target)).as("log:\n%s", logText())
                .isEmpty();
    }

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }
}
