package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teefs.mirror.testing.Journal;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.posix.Posix;

/** DESIGN invariant 4: whatever the records say, nothing outside TARGET is created, changed or read. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfinementTest {
    @TempDir
    Path tmp;
    Path target;
    Path sentinel;
    Path sentinelCopy;
    ApplyEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        target = Files.createDirectory(tmp.resolve("target"));
        sentinel = Files.createDirectory(tmp.resolve("sentinel"));
        Files.writeString(sentinel.resolve("secret"), "untouched");
        Files.createDirectory(sentinel.resolve("sub"));
        Files.writeString(target.resolve("inside-file"), "mine");
        // symlinks inside TARGET that lead out of it, as a hostile stream (or an operator) could leave them
        Files.createSymbolicLink(target.resolve("link"), sentinel);
        Files.createSymbolicLink(target.resolve("filelink"), sentinel.resolve("secret"));
        Files.createDirectory(tmp.resolve("x"));
        sentinelCopy = Files.createDirectory(tmp.resolve("sentinel-copy"));
        copy(sentinel, sentinelCopy);
        engine = ApplyEngine.open(target);
    }

    private static void copy(Path from, Path to) throws Exception {
        new ProcessBuilder("cp", "-a", from + "/.", to.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        assertThat(to.resolve("secret")).exists();
    }

    @AfterEach
    void sentinelUnchanged() {
        engine.close();
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(sentinelCopy, sentinel)).isEmpty();
        assertThat(tmp.resolve("x").toFile().list()).isEmpty();
    }

    private void refused(Consumer<Journal> record, String reason) {
        Journal j = new Journal();
        record.accept(j);
        assertThatThrownBy(() -> j.applyTo(engine))
                .isInstanceOf(ApplyException.class)
                .isNotInstanceOf(TargetUnavailableException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x/f", "/etc/teefs-test", "a/../../x/f", "a/./f", "./f", "a//f", "f/", "..", "."})
    void escapingOrUncleanPathsAreRefused(String path) {
        refused(j -> j.mkdir(path, 0755), "refused");
        refused(j -> j.create(1, path, 0644), "refused");
        refused(j -> j.associate(1, path), "refused");
        refused(j -> j.chmod(path, 0777), "refused");
        refused(j -> j.rename("inside-file", path), "refused");
        refused(j -> j.link("inside-file", path), "refused");
        refused(j -> j.symlink(path, "anything"), "refused");
        refused(j -> j.unlink(path), "refused");
        assertThat(target.resolve("inside-file")).hasContent("mine");
    }

    @Test
    void nulByteAndOverlongNamesAreRefused() {
        refused(j -> j.create(0, "a\0b", 0644), "NUL");
        refused(j -> j.mkdir("x".repeat(256), 0755), "256 bytes");
        refused(j -> j.mkdir("é".repeat(128), 0755), "256 bytes");
        String longPath = String.join("/", java.util.Collections.nCopies(41, "y".repeat(99)));
        refused(j -> j.mkdir(longPath, 0755), "path of 4099 bytes");
        refused(j -> j.mkdir("", 0755), "empty path");
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedRatherThanMangled() {
        org.agrona.concurrent.UnsafeBuffer frame = new org.agrona.concurrent.UnsafeBuffer(new byte[256]);
        int length = new teefs.protocol.RecordEncoder().wrap(frame, 0)
                .mkdir(Posix.S_IFDIR | 0755, 0, 0, 1, 1, 1, 1, new byte[] {'a', (byte) 0xFF});
        assertThatThrownBy(() -> engine.apply(9, frame, 0, length))
                .isInstanceOf(ApplyException.class).hasMessageContaining("not valid UTF-8");
        assertThat(target.toFile().list()).containsExactlyInAnyOrder("inside-file", "link", "filelink");
    }

    @Test
    void nothingWalksThroughASymlinkInTarget() {
        String reason = "symlink in TARGET";
        refused(j -> j.mkdir("link/inside", 0755), reason);
        refused(j -> j.create(1, "link/inside", 0644), reason);
        refused(j -> j.create(0, "link/secret", 0644), reason);
        refused(j -> j.associate(2, "link/secret"), reason);
        refused(j -> j.truncate("link/secret", 0), reason);
        refused(j -> j.chmod("link/secret", 0777), reason);
        refused(j -> j.chown("link/secret", 1, 1), reason);
        refused(j -> j.utimens("link/secret", 1, 1), reason);
        refused(j -> j.setxattr("link/secret", "user.x", "y"), reason);
        refused(j -> j.unlink("link/secret"), reason);
        refused(j -> j.rmdir("link/sub"), reason);
        refused(j -> j.rename("inside-file", "link/inside"), reason);
        refused(j -> j.rename("link/secret", "stolen"), reason);
        refused(j -> j.link("link/secret", "stolen"), reason);
        refused(j -> j.symlink("link/inside", "x"), reason);
        refused(j -> j.mknod("link/fifo", Posix.S_IFIFO | 0644, 0), reason);
        assertThat(target.resolve("stolen")).doesNotExist();
    }

    /**
     * The engine keeps the descriptors of the last directories it walked to. A directory renamed away and replaced by
     * a symlink out of TARGET must not be reached through a kept descriptor, nor through the symlink.
     */
    @Test
    void aDirectoryReplacedByASymlinkIsWalkedAgainAndRefused() throws IOException {
        Journal j = new Journal().mkdir("d", 0755).create(0, "d/a", 0644).chmod("d/a", 0600)
                .rename("d", "moved").symlink("d", sentinel.toString());
        j.applyTo(engine);
        assertThat(Files.isSymbolicLink(target.resolve("d"))).isTrue();
        refused(k -> k.create(0, "d/b", 0644), "symlink in TARGET");
        refused(k -> k.chmod("d/a", 0777), "symlink in TARGET");
        assertThat(target.resolve("moved/b")).doesNotExist();
        assertThat(target.resolve("moved/a")).exists();
    }

    /** Likewise an rmdir: the kept descriptor names a directory that is gone, and a new one of that name is used. */
    @Test
    void aDirectoryRemovedAndMadeAgainIsTheNewOne() throws IOException {
        new Journal().mkdir("d", 0755).create(0, "d/a", 0644).unlink("d/a").rmdir("d").mkdir("d", 0700)
                .create(0, "d/b", 0644).applyTo(engine);
        assertThat(target.resolve("d/b")).exists();
        assertThat(target.resolve("d/a")).doesNotExist();
    }

    @Test
    void aFinalSymlinkIsNeverFollowed() throws IOException {
        refused(j -> j.associate(3, "filelink"), "is a symlink");
        refused(j -> j.truncate("filelink", 0), "is a symlink");
        new Journal().chmod("filelink", 0777).utimens("filelink", 1, 1).applyTo(engine);
        // the link itself was retimed, not what it points to (the sentinel check confirms the latter)
        assertThat(Files.readSymbolicLink(target.resolve("filelink"))).isEqualTo(sentinel.resolve("secret"));
        // creating over a symlink replaces the link, it does not write through it
        new Journal().create(4, "filelink", 0600).write(4, 0, "new").release(4).applyTo(engine);
        assertThat(Files.isSymbolicLink(target.resolve("filelink"))).isFalse();
        assertThat(Files.readString(target.resolve("filelink"), StandardCharsets.UTF_8)).isEqualTo("new");
    }

    @Test
    void devicesAreNeverOpenedForWriting() {
        if (!Posix.isRoot()) {
            refused(j -> j.mknod("null", Posix.S_IFCHR | 0666, (1 << 8) | 3), "as root");
            return;
        }
        new Journal().mknod("null", Posix.S_IFCHR | 0666, (1 << 8) | 3).applyTo(engine);
        refused(j -> j.associate(5, "null"), "special file");
        refused(j -> j.truncate("null", 0), "special file");
    }

    @Test
    void listingTargetShowsOnlyWhatRecordsMade() throws IOException {
        new Journal().mkdir("ok", 0755).create(0, "ok/f", 0644).applyTo(engine);
        try (Stream<Path> all = Files.walk(target)) {
            List<String> names = all.map(p -> target.relativize(p).toString()).sorted().toList();
            assertThat(names).containsExactly("", "filelink", "inside-file", "link", "ok", "ok/f");
        }
    }
}
