package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap window, made deterministic with a fake rsync first on the mirror's PATH: its first call renames and
 * links through the mount (journaled after the head index the bootstrap noted), then runs the real rsync leaving out
 * the names a copy racing those renames would have missed, and reports success, as a last pass would. Without the
 * repairs of the window the mirror would lack y, d2 and h2/h3 for good and hold the wrong log.2.
 */
@Timeout(180)
class MirrorBootstrapWindowTest {
    @TempDir
    Path root;

    @Test
    void renamesAndLinksDuringTheLastCopyConverge() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            Path mount = p.journal.mount;
            Files.createDirectories(mount.resolve("d/sub"));
            Files.writeString(mount.resolve("x"), "renamed while rsync ran");
            Files.writeString(mount.resolve("d/f"), "in a directory renamed while rsync ran");
            Files.writeString(mount.resolve("d/sub/g"), "deeper");
            Files.writeString(mount.resolve("h"), "linked, then renamed");
            Files.writeString(mount.resolve("log"), "current log");
            Files.writeString(mount.resolve("log.1"), "previous log");
            Files.writeString(mount.resolve("keep"), "untouched");
            Path calls = root.resolve("fake-rsync-calls");
            Path bin = fakeRsync(root.resolve("bin"), calls, mount, """
                    mv x y && mv d d2 && ln h h2 && mv h h3 && mv log.1 log.2 && mv log log.1 \
                      && printf 'new log' > log
                    """, "/y", "/d2", "/h2", "/h3", "/log.2");

            bootstrapConverges(p, "fuzzy", bin, calls);
            Path target = p.target("fuzzy");
            assertThat(Files.isSameFile(target.resolve("h2"), target.resolve("h3"))).isTrue();
            assertThat(Files.readString(target.resolve("log.2"))).isEqualTo("previous log");
            assertThat(p.mirror("fuzzy").output()).contains("bootstrap: copy done")
                    .contains("RENAME: copied [y] again").contains("RENAME: copied [d2] again");
        }
    }

    /**
     * rsync {@code -H} on a live tree can join two hard-link groups into one inode on TARGET (an inode number reused
     * during its listing: a file freed and another created meanwhile). A fake rsync makes that happen for sure: its
     * first call copies, then links c and d to a on TARGET and creates a file on the mount (the creation a real reuse
     * needs, without which the audit is skipped). The audit when the window closes must split them again; e and f,
     * a right pair, are left alone.
     */
    @Test
    void hardLinkGroupsJoinedByTheCopyAreSplitAgain() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            Path mount = p.journal.mount;
            Files.createDirectories(mount.resolve("dir"));
            Files.writeString(mount.resolve("a"), "pair one");
            Files.createLink(mount.resolve("dir/b"), mount.resolve("a"));
            Files.writeString(mount.resolve("c"), "pair two, another file");
            Files.createLink(mount.resolve("dir/d"), mount.resolve("c"));
            Files.writeString(mount.resolve("e"), "a right pair");
            Files.createLink(mount.resolve("f"), mount.resolve("e"));
            Path calls = root.resolve("fake-rsync-calls");
            Path bin = joiningRsync(root.resolve("bin"), calls, "ln -f a c && ln -f a dir/d && echo new > '"
                    + mount.resolve("made-during-the-copy") + "'");

            bootstrapConverges(p, "joined", bin, calls);
            Path target = p.target("joined");
            assertThat(Files.isSameFile(target.resolve("c"), target.resolve("dir/d"))).isTrue();
            assertThat(Files.isSameFile(target.resolve("a"), target.resolve("c"))).isFalse();
            assertThat(Files.isSameFile(target.resolve("a"), target.resolve("dir/b"))).isTrue();
            assertThat(Files.readString(target.resolve("a"))).isEqualTo("pair one");
            assertThat(Files.readString(target.resolve("dir/d"))).isEqualTo("pair two, another file");
            assertThat(p.mirror("joined").output()).contains("hard-link audit: copied [a, c, dir/b, dir/d] again");
        }
    }

    /** Bootstraps mirror {@code name} with the rsync in {@code bin} first on its PATH, until it equals STORE. */
    private static void bootstrapConverges(MirrorFixture p, String name, Path bin, Path calls) throws Exception {
        p.startMirror(name, true, Map.of("PATH", bin + ":" + System.getenv("PATH")));
        p.awaitMirrorLog(name, "bootstrap window applied", Duration.ofSeconds(60));
        p.awaitConverged(Duration.ofSeconds(60), name);
        assertThat(Files.readAllLines(calls)).as("the fake rsync ran").isNotEmpty();
    }

    /**
     * A directory holding an {@code rsync} whose first call runs the real rsync, then {@code script} in TARGET (its
     * last argument), and reports success; later calls are the real rsync.
     */
    static Path joiningRsync(Path dir, Path calls, String script) throws Exception {
        Files.createDirectories(dir);
        Path fake = dir.resolve("rsync");
        Files.writeString(fake, """
                #!/bin/sh
                if [ ! -s '%s' ]; then
                  echo first >> '%s'
                  %s "$@" || exit $?
                  for last; do :; done
                  (cd "$last" && %s) || exit 98
                  exit 0
                fi
                echo later >> '%s'
                exec %s "$@"
                """.formatted(calls, calls, realRsync(), script, calls, realRsync()));
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    static String realRsync() {
        return Arrays.stream(System.getenv("PATH").split(":")).map(d -> Path.of(d, "rsync"))
                .filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError("no rsync on PATH"))
                .toString();
    }

    /**
     * A directory holding an {@code rsync} whose first call runs {@code script} in {@code mount}, then the real rsync
     * with {@code missed} excluded; later calls are the real rsync. Each call appends a line to {@code calls}.
     */
    static Path fakeRsync(Path dir, Path calls, Path mount, String script, String... missed) throws Exception {
        String real = realRsync();
        StringBuilder excludes = new StringBuilder();
        for (String m : missed) {
            excludes.append(" --exclude=").append(m);
        }
        Files.createDirectories(dir);
        Path fake = dir.resolve("rsync");
        Files.writeString(fake, """
                #!/bin/sh
                if [ ! -s '%s' ]; then
                  echo first >> '%s'
                  (cd '%s' && %s) || exit 99
                  %s%s "$@"
                  exit $?
                fi
                echo later >> '%s'
                exec %s "$@"
                """.formatted(calls, calls, mount, script.strip(), real, excludes, calls, real));
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
