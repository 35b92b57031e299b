package teefs.mirror.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.posix.Posix;

@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TreeVerifierTest {
    @TempDir
    Path tmp;
    Path a;
    Path b;

    /** Builds the same small tree, with fixed nanosecond mtimes, in both A and B. */
    @BeforeEach
    void twoIdenticalTrees() throws IOException {
        a = Files.createDirectory(tmp.resolve("a"));
        b = Files.createDirectory(tmp.resolve("b"));
        for (Path root : List.of(a, b)) {
            Files.createDirectories(root.resolve("dir/sub"));
            Files.writeString(root.resolve("dir/file"), "contents");
            Files.createLink(root.resolve("dir/hard"), root.resolve("dir/file"));
            Files.createSymbolicLink(root.resolve("dir/link"), Path.of("file"));
            Files.writeString(root.resolve("top"), "top");
            setxattr(root.resolve("top"), "user.k", "v");
            Posix.LIBC.mknod(root.resolve("pipe").toString(), Posix.S_IFIFO | 0600, 0);
            Files.setPosixFilePermissions(root.resolve("top"), PosixFilePermissions.fromString("rw-r-----"));
            for (String p : List.of("dir/file", "dir/sub", "dir", "top", "pipe", ".")) {
                setMtime(root.resolve(p), 1_600_000_000L, 123_456_789L);
            }
            lsetMtime(root.resolve("dir/link"), 1_600_000_001L, 1L);
        }
    }

    private static void setxattr(Path p, String name, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        assertThat(Posix.LIBC.lsetxattr(p.toString(), name, v, v.length, 0)).isZero();
    }

    /** utimensat, never opening the file (Files.setLastModifiedTime opens it, which blocks on a fifo). */
    private static void setMtime(Path p, long sec, long nsec) {
        lsetMtime(p, sec, nsec);
    }

    private static void lsetMtime(Path p, long sec, long nsec) {
        long[] times = {0, Posix.UTIME_OMIT, sec, nsec};
        assertThat(Posix.LIBC.utimensat(Posix.AT_FDCWD, p.toString(), times, Posix.AT_SYMLINK_NOFOLLOW)).isZero();
    }

    private List<Difference> compare() {
        return new TreeVerifier(VerifyOptions.full()).compare(a, b);
    }

    private void assertOnly(Difference.Kind kind, String path) {
        List<Difference> d = compare();
        assertThat(d).extracting(Difference::kind).containsExactly(kind);
        assertThat(d).extracting(Difference::path).containsExactly(path);
    }

    @Test
    void identicalTreesHaveNoDifference() {
        assertThat(compare()).isEmpty();
    }

    @Test
    void entryOnlyInOneTreeIsListedOnceWithoutItsChildren() throws IOException {
        Files.createDirectories(b.resolve("extra/deep/er"));
        setMtime(b, 1_600_000_000L, 123_456_789L);
        Files.delete(a.resolve("pipe"));
        setMtime(a, 1_600_000_000L, 123_456_789L);
        List<Difference> d = compare();
        assertThat(d).extracting(Difference::toString)
                .containsExactly("extra: only in B: directory", "pipe: only in B: fifo");
    }

    @Test
    void typeSizeAndContent() throws IOException {
        Files.delete(b.resolve("pipe"));
        Files.writeString(b.resolve("pipe"), "now a file");
        Files.writeString(b.resolve("top"), "toP");
        Files.writeString(b.resolve("dir/file"), "contents, longer");
        for (String p : List.of("pipe", "top", "dir/file", ".")) {
            setMtime(b.resolve(p), 1_600_000_000L, 123_456_789L);
        }
        Files.setPosixFilePermissions(b.resolve("pipe"), PosixFilePermissions.fromString("rw-------"));
        List<Difference> d = compare();
        assertThat(d).extracting(Difference::toString).containsExactly(
                "dir/file: size: 8 bytes in A, 16 in B",
                "dir/hard: size: 8 bytes in A, 16 in B",
                "pipe: type: fifo in A, file in B",
                "top: content: first differing byte at offset 2");
        List<Difference> quick = new TreeVerifier(new VerifyOptions(true, List.of())).compare(a, b);
        assertThat(quick).extracting(Difference::kind).doesNotContain(Difference.Kind.CONTENT);
    }

    @Test
    void permissionBits() throws IOException {
        Files.setPosixFilePermissions(b.resolve("top"), PosixFilePermissions.fromString("rw-r--r--"));
        assertOnly(Difference.Kind.MODE, "top");
    }

    @Test
    void owner() {
        if (!Posix.isRoot()) {
            return; // giving a file away needs root
        }
        assertThat(Posix.LIBC.lchown(b.resolve("dir/link").toString(), 4321, 4321)).isZero();
        assertOnly(Difference.Kind.OWNER, "dir/link");
    }

    @Test
    void mtimeToTheNanosecondOfFilesDirectoriesAndSymlinks() throws IOException {
        setMtime(b.resolve("dir/sub"), 1_600_000_000L, 123_456_788L);
        assertOnly(Difference.Kind.MTIME, "dir/sub");
        setMtime(b.resolve("dir/sub"), 1_600_000_000L, 123_456_789L);
        lsetMtime(b.resolve("dir/link"), 1_600_000_001L, 2L);
        assertOnly(Difference.Kind.MTIME, "dir/link");
    }

    @Test
    void symlinkTarget() throws IOException {
        Files.delete(b.resolve("dir/link"));
        Files.createSymbolicLink(b.resolve("dir/link"), Path.of("elsewhere"));
        lsetMtime(b.resolve("dir/link"), 1_600_000_001L, 1L);
        setMtime(b.resolve("dir"), 1_600_000_000L, 123_456_789L);
        assertOnly(Difference.Kind.SYMLINK_TARGET, "dir/link");
    }

    @Test
    void hardLinkGroupsBothWays() throws IOException {
        Files.delete(b.resolve("dir/hard"));
        Files.writeString(b.resolve("dir/hard"), "contents");
        setMtime(b.resolve("dir/hard"), 1_600_000_000L, 123_456_789L);
        setMtime(b.resolve("dir"), 1_600_000_000L, 123_456_789L);
        List<Difference> d = compare();
        assertThat(d).extracting(Difference::toString).containsExactly(
                "dir/file: hard links: linked with [dir/hard] in A, with [] in B",
                "dir/hard: hard links: linked with [dir/file] in A, with [] in B");
        // and the other way round: linked in B, separate in A
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(b, a)).hasSize(2);
    }

    @Test
    void userXattrs() {
        setxattr(b.resolve("top"), "user.k", "w");
        assertOnly(Difference.Kind.XATTR, "top");
        setxattr(b.resolve("top"), "user.k", "v");
        setxattr(b.resolve("dir"), "user.extra", "");
        assertOnly(Difference.Kind.XATTR, "dir");
    }

    @Test
    void ignoreGlobsLeaveOutMatchingEntriesOnly() throws IOException {
        Files.writeString(b.resolve("dir/.fuse_hidden000a"), "open but unlinked");
        Files.createDirectories(b.resolve("cache/x"));
        setMtime(b.resolve("dir"), 1_600_000_000L, 123_456_789L);
        setMtime(b, 1_600_000_000L, 123_456_789L);
        assertThat(compare()).hasSize(2);
        VerifyOptions options = new VerifyOptions(false, List.of(".fuse_hidden*", "cache"));
        assertThat(new TreeVerifier(options).compare(a, b)).isEmpty();
    }

    @Test
    void orderIsDeterministicTreeOrder() throws IOException {
        for (String name : List.of("z", "a-b", "a.c", "dir/0", "dir/sub/q")) {
            Files.writeString(b.resolve(name), name);
        }
        List<String> paths = compare().stream().map(Difference::path).toList();
        assertThat(paths).containsExactly(".", "a-b", "a.c", "dir", "dir/0", "dir/sub", "dir/sub/q", "z");
        assertThat(compare()).isEqualTo(compare());
    }

    @Test
    void aRootThatIsNotADirectoryIsRefused() {
        assertThatThrownBy(() -> new TreeVerifier(VerifyOptions.full()).compare(a, tmp.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
    }

    /** Each difference reaches the sink as it is found, and a verify that runs long says where it is. */
    @Test
    void differencesStreamInTreeOrderAndALongVerifyReportsProgress() throws IOException {
        Files.writeString(b.resolve("dir/file"), "CONTENTS");
        Files.writeString(b.resolve("zz"), "only in B");
        long[] now = {0};
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        // a clock that moves a second per look: every look after the first five seconds is due
        VerifyProgress progress = new VerifyProgress(new java.io.PrintStream(lines, true, StandardCharsets.UTF_8),
                () -> now[0] += 1_000_000_000L, VerifyProgress.DEFAULT_INTERVAL_NANOS);
        List<Difference> streamed = new java.util.ArrayList<>();
        long count = new TreeVerifier(VerifyOptions.full(), progress).compare(a, b, streamed::add);
        assertThat(count).isEqualTo(streamed.size());
        assertThat(streamed).isEqualTo(new TreeVerifier(VerifyOptions.full()).compare(a, b));
        assertThat(streamed).extracting(Difference::path).contains("dir/file", "zz");
        String text = lines.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("verify: scanning A: ").contains("verify: scanning B: ")
                .containsPattern("verify: \\d+ of \\d+ entries compared, [0-9.]+ (KiB|MiB|GiB) of contents read");

        java.io.ByteArrayOutputStream quiet = new java.io.ByteArrayOutputStream();
        new TreeVerifier(VerifyOptions.full(), new VerifyProgress(new java.io.PrintStream(quiet, true,
                StandardCharsets.UTF_8), System::nanoTime, VerifyProgress.DEFAULT_INTERVAL_NANOS)).compare(a, b);
        assertThat(quiet.toString(StandardCharsets.UTF_8)).as("a verify shorter than 5 s says nothing").isEmpty();
    }
}
