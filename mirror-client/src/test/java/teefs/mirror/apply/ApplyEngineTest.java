package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static teefs.mirror.testing.Journal.nsec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.testing.Journal;
import teefs.posix.Posix;
import teefs.posix.Stat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ApplyEngineTest {
    @TempDir
    Path tmp;
    Path target;
    ApplyEngine engine;
    final Stat stat = new Stat();

    @BeforeEach
    void open() throws IOException {
        target = Files.createDirectory(tmp.resolve("target"));
        engine = ApplyEngine.open(target);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private Stat lstat(String relative) {
        assertThat(stat.lstat(target.resolve(relative).toString())).as("lstat " + relative).isZero();
        return stat;
    }

    private void assertMtime(String relative, long sec) {
        Stat s = lstat(relative);
        assertThat(s.mtimeSec() + "." + s.mtimeNsec()).as("mtime of " + relative).isEqualTo(sec + "." + nsec(sec));
    }

    private String content(String relative) throws IOException {
        return Files.readString(target.resolve(relative), StandardCharsets.ISO_8859_1);
    }

    @Test
    void createWriteSparseTruncateFallocateLandOnDisk() throws IOException {
        Journal j = new Journal().checkpoint(true, Map.of())
                .mkdir("d", 0750)              // t1 mtime, t2 parent
                .create(7, "d/f", 0640)        // t3, t4
                .write(7, 0, "hello")          // t5
                .write(7, 1 << 20, "world")    // t6: a hole of a MiB
                .fsync(7)
                .release(7)
                .create(0, "d/g", 0600)        // t7, t8: created closed
                .associate(8, "d/g")
                .write(8, 0, "0123456789")     // t9
                .fallocate(8, 0x01 | 0x02, 2, 3) // t10: KEEP_SIZE | PUNCH_HOLE
                .release(8)
                .truncate("d/f", 7);           // t11
        j.applyTo(engine);

        assertThat(content("d/f")).isEqualTo("hello\0\0");
        assertThat(lstat("d/f").permissions()).isEqualTo(0640);
        assertMtime("d/f", Journal.T0 + 11);
        assertThat(content("d/g")).isEqualTo("01\0\0\0" + "56789");
        assertMtime("d/g", Journal.T0 + 10);
        assertThat(lstat("d/g").permissions()).isEqualTo(0600);
        assertThat(lstat("d").permissions()).isEqualTo(0750);
        assertMtime("d", Journal.T0 + 8);
        assertThat(engine.handles()).isEmpty();
    }

    @Test
    void sparseWriteLeavesAHole() throws IOException {
        new Journal().create(1, "s", 0644).write(1, 64L << 20, "x").release(1).applyTo(engine);
        Stat s = lstat("s");
        assertThat(s.size()).isEqualTo((64L << 20) + 1);
        assertThat(s.blocks() * 512).as("allocated bytes").isLessThan(1L << 20);
    }

    @Test
    void directoriesAndParentMtimes() {
        Journal j = new Journal()
                .mkdir("a", 0755)   // t1, t2 (root)
                .mkdir("a/b", 0700) // t3, t4 (a)
                .mkdir("a/c", 0711) // t5, t6 (a)
                .rmdir("a/c");      // t7 (a)
        j.applyTo(engine);
        assertMtime("a", Journal.T0 + 7);
        assertMtime("a/b", Journal.T0 + 3);
        assertMtime(".", Journal.T0 + 2);
        assertThat(lstat("a/b").permissions()).isEqualTo(0700);
        assertThat(Files.exists(target.resolve("a/c"))).isFalse();
    }

    @Test
    void symlinkKeepsItsTargetAndItsOwnNanosecondMtime() throws IOException {
        new Journal().symlink("l", "../../nowhere/at/all").applyTo(engine);
        assertThat(Files.readSymbolicLink(target.resolve("l")).toString()).isEqualTo("../../nowhere/at/all");
        assertThat(lstat("l").isSymlink()).isTrue();
        assertMtime("l", Journal.T0 + 1);
        assertMtime(".", Journal.T0 + 2);
        new Journal().utimens("l", 1_234_567_890L, 987_654_321L).applyTo(engine);
        assertThat(lstat("l").mtimeNsec()).isEqualTo(987_654_321L);
        assertThat(stat.mtimeSec()).isEqualTo(1_234_567_890L);
    }

    @Test
    void hardLinksShareTheInode() {
        new Journal().create(0, "f", 0644).mkdir("d", 0755).link("f", "d/g").applyTo(engine);
        long ino = lstat("f").ino();
        assertThat(lstat("d/g").ino()).isEqualTo(ino);
        assertThat(stat.nlink()).isEqualTo(2);
        assertMtime("d", Journal.T0 + 5);
    }

    @Test
    void xattrsAreSetReplacedAndRemoved() {
        Journal j = new Journal().create(0, "f", 0644)
                .setxattr("f", "user.colour", "blue")
                .setxattr("f", "user.colour", "green")
                .setxattr("f", "user.size", "L")
                .removexattr("f", "user.size")
                .removexattr("f", "user.absent");
        j.applyTo(engine);
        byte[] value = new byte[16];
        long n = Posix.LIBC.lgetxattr(target.resolve("f").toString(), "user.colour", value, value.length);
        assertThat(new String(value, 0, (int) n, StandardCharsets.UTF_8)).isEqualTo("green");
        assertThat(Posix.LIBC.lgetxattr(target.resolve("f").toString(), "user.size", value, value.length))
                .isEqualTo(-1);
        assertThat(Posix.errno()).isEqualTo(Posix.ENODATA);
    }

    @Test
    void fifoAndChmodChownUtimens() {
        Journal j = new Journal().mknod("p", Posix.S_IFIFO | 0620, 0)
                .create(0, "f", 0644)
                .chown("f", Journal.UID, Journal.GID) // before the chmod: a chown clears set-id bits, as on the source
                .chmod("f", 04711)
                .utimens("f", 1_000_000_000L, 1L)
                .chmod("", 0705)
                .utimens("", 1_100_000_000L, 999_999_999L);
        j.applyTo(engine);
        assertThat(lstat("p").type()).isEqualTo(Posix.S_IFIFO);
        assertThat(stat.permissions()).isEqualTo(0620);
        assertMtime("p", Journal.T0 + 1);
        assertThat(lstat("f").permissions()).isEqualTo(04711);
        assertThat(stat.uid()).isEqualTo(Journal.UID);
        assertThat(stat.mtimeSec()).isEqualTo(1_000_000_000L);
        assertThat(stat.mtimeNsec()).isEqualTo(1L);
        assertThat(lstat(".").permissions()).isEqualTo(0705);
        assertThat(stat.mtimeNsec()).isEqualTo(999_999_999L);
    }

    @Test
    void ownersAreAppliedAsRoot() {
        if (!Posix.isRoot()) {
            return; // chown to another user needs root; nothing to check without it
        }
        new Journal().create(0, "f", 0644).chown("f", 1234, 5678).chown("f", -1, 91).applyTo(engine);
        assertThat(lstat("f").uid()).isEqualTo(1234);
        assertThat(stat.gid()).isEqualTo(91);
    }

    @Test
    void renameFlagsNoreplaceAndExchange() throws IOException {
        new Journal().create(1, "a", 0644).write(1, 0, "A").release(1)
                .create(2, "b", 0644).write(2, 0, "B").release(2)
                .rename(Posix.RENAME_EXCHANGE, "a", "b")
                .rename(Posix.RENAME_NOREPLACE, "b", "c")
                .applyTo(engine);
        assertThat(content("a")).isEqualTo("B");
        assertThat(content("c")).isEqualTo("A");
        assertThat(Files.exists(target.resolve("b"))).isFalse();
        assertThatThrownBy(() -> new Journal().rename(Posix.RENAME_WHITEOUT, "a", "z").applyTo(engine))
                .isInstanceOf(ApplyException.class).hasMessageContaining("rename flags");
    }

    @Test
    void openFileFollowsItsRenamedDirectory() throws IOException {
        new Journal().mkdir("d", 0755).create(0, "d/f", 0644)
                .associate(3, "d/f")
                .rename("d", "e")
                .write(3, 0, "after rename")
                .applyTo(engine);
        assertThat(content("e/f")).isEqualTo("after rename");
        assertThat(engine.handles()).containsExactly(Map.entry(3, "e/f"));
    }

    @Test
    void unlinkedOpenFileIsHiddenThenRemovedAtRelease() {
        new Journal().create(4, "f", 0644).write(4, 0, "x")
                .rename("f", ".fuse_hidden0001")
                .write(4, 1, "y")
                .release(4)
                .unlink(".fuse_hidden0001")
                .applyTo(engine);
        assertThat(target.toFile().list()).isEmpty();
        assertThat(engine.handles()).isEmpty();
    }

    @Test
    void checkpointResetForgetsEveryHandleThenBindsTheListed() throws IOException {
        new Journal().create(1, "old", 0644).create(0, "live", 0644).applyTo(engine);
        new Journal().checkpoint(true, Map.of(9, "live")).write(9, 0, "ok").applyTo(engine);
        assertThat(content("live")).isEqualTo("ok");
        assertThat(engine.handles()).containsExactly(Map.entry(9, "live"));
        assertThatThrownBy(() -> new Journal().write(1, 0, "lost").applyTo(engine))
                .isInstanceOf(ApplyException.class).hasMessageContaining("handle 1");
    }

    @Test
    void aRestatementKeepsTheDescriptorsOfBindingsThatDidNotChange() throws IOException {
        new Journal().create(1, "kept", 0644).create(2, "dropped", 0644).create(3, "moved", 0644).applyTo(engine);
        // 'kept' is unlinked behind the engine's back: a reopen by path would fail, the kept descriptor still writes
        Files.move(target.resolve("kept"), target.resolve("aside"));
        new Journal().checkpoint(true, Map.of(1, "kept", 3, "elsewhere")).write(1, 0, "same fd").applyTo(engine);
        assertThat(content("aside")).isEqualTo("same fd");
        assertThat(engine.handles()).containsExactly(Map.entry(1, "kept"), Map.entry(3, "elsewhere"));
        assertThatThrownBy(() -> new Journal().write(2, 0, "lost").applyTo(engine))
                .isInstanceOf(ApplyException.class).hasMessageContaining("handle 2");
    }

    @Test
    void handlesExportAndRestore() throws IOException {
        new Journal().create(5, "f", 0644).applyTo(engine);
        Map<Integer, String> saved = engine.handles();
        engine.close();
        engine = ApplyEngine.open(target);
        engine.restoreHandles(saved);
        new Journal().write(5, 0, "resumed").release(5).applyTo(engine);
        assertThat(content("f")).isEqualTo("resumed");
    }

    @Test
    void malformedFrameIsRefusedWithItsIndex() {
        byte[] frame = new Journal().mkdir("d", 0755).frames().get(0);
        frame[20] ^= 1;
        assertThatThrownBy(() -> engine.apply(77, new org.agrona.concurrent.UnsafeBuffer(frame), 0, frame.length))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("#77")
                .hasMessageContaining("malformed");
        assertThat(target.toFile().list()).isEmpty();
    }

    @Test
    void vanishedTargetIsTargetUnavailable() throws IOException {
        new Journal().mkdir("d", 0755).applyTo(engine);
        Files.delete(target.resolve("d"));
        Files.delete(target);
        assertThatThrownBy(() -> new Journal().mkdir("d/e", 0755).applyTo(engine))
                .isInstanceOf(TargetUnavailableException.class).hasMessageContaining("vanished");
        assertThatThrownBy(() -> new Journal().create(0, "x", 0644).applyTo(engine))
                .isInstanceOf(TargetUnavailableException.class);
    }

    @Test
    void aRecordThatCannotApplyNamesIndexTypeAndPath() {
        new Journal().mknod("p", Posix.S_IFIFO | 0600, 0).applyTo(engine);
        assertThatThrownBy(() -> new Journal().truncate("p", 0).applyTo(engine))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("#0").hasMessageContaining("TRUNCATE").hasMessageContaining("'p'")
                .satisfies(e -> assertThat(((ApplyException) e).path()).isEqualTo("p"));
    }

    /** A write whose handle was bound to an absent path lands nowhere, and is counted, so that replay can say so. */
    @Test
    void writesThroughAHandleBoundToAnAbsentPathAreCounted() throws IOException {
        new Journal().create(1, "f", 0644).write(1, 0, "here").associate(2, "gone").write(2, 0, "lost")
                .fallocate(2, 0, 0, 4096).applyTo(engine);
        assertThat(content("f")).isEqualTo("here");
        assertThat(target.resolve("gone")).doesNotExist();
        assertThat(engine.writesWithoutFile()).isEqualTo(2);
    }
}
