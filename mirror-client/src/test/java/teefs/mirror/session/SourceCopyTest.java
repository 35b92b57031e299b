package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.apply.ApplyException;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

@Timeout(60)
class SourceCopyTest {
    @TempDir
    Path dir;

    @Test
    void namesAreEscapedOnlyWhereRsyncReadsEscapes() {
        assertThat(SourceCopy.pattern("a/b\\c", "")).isEqualTo("/a/b\\c");
        assertThat(SourceCopy.pattern("a/b\\c", "/**")).isEqualTo("/a/b\\\\c/**");
        assertThat(SourceCopy.pattern("we*ird[1]?", "/")).isEqualTo("/we\\*ird\\[1]\\?/");
        assertThatThrownBy(() -> SourceCopy.filter(List.of("a/../../etc"))).isInstanceOf(ApplyException.class)
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> SourceCopy.filter(List.of("/etc/passwd"))).hasMessageContaining("absolute");
    }

    @Test
    void copiesExactlyThePathsWithTheirSubtreesWhateverTheirNames() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        Path target = Files.createDirectories(dir.resolve("target"));
        String awkward = "we*ird[1]/sp ace /nl\nx";
        Files.createDirectories(source.resolve(awkward).resolve("sub"));
        Files.writeString(source.resolve(awkward).resolve("sub/f"), "in the subtree");
        Files.writeString(source.resolve("we*ird[1]/sibling"), "not asked for");
        Files.writeString(source.resolve("a\\b"), "backslash");
        Files.writeString(source.resolve("ab"), "not asked for either");
        Files.writeString(source.resolve("ünï"), "utf-8");
        Files.createDirectories(target.resolve(awkward));
        Files.writeString(target.resolve(awkward).resolve("stale"), "only on TARGET, under a copied path");
        Files.writeString(target.resolve("gone"), "only on TARGET, a path SOURCE no longer has");

        int code = new SourceCopy(source.toString(), target, () -> false)
                .copyPaths(List.of(awkward, "a\\b", "ünï", "gone"));

        assertThat(code).isZero();
        assertThat(Files.readString(target.resolve(awkward).resolve("sub/f"))).isEqualTo("in the subtree");
        assertThat(target.resolve(awkward).resolve("stale")).doesNotExist();
        assertThat(Files.readString(target.resolve("a\\b"))).isEqualTo("backslash");
        assertThat(Files.readString(target.resolve("ünï"))).isEqualTo("utf-8");
        assertThat(target.resolve("we*ird[1]/sibling")).doesNotExist();
        assertThat(target.resolve("ab")).doesNotExist();
        assertThat(Files.readString(target.resolve("gone"))).isEqualTo("only on TARGET, a path SOURCE no longer has");
    }

    @Test
    void directoriesOfARemoteSourceGetTheirTimesBackAndNothingElseChanges() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.createDirectories(source.resolve("a/b"));
        Files.createDirectories(source.resolve("only-in-source"));
        Files.writeString(source.resolve("a/f"), "source");
        Files.createDirectories(target.resolve("a/b"));
        Files.writeString(target.resolve("a/f"), "target");
        FileTime old = FileTime.from(Instant.parse("2001-02-03T04:05:06.123456789Z"));
        for (String d : new String[] {"a/b", "a", ""}) {
            Files.setLastModifiedTime(source.resolve(d), old);
        }
        try (RsyncDaemon daemon = new RsyncDaemon(dir.resolve("daemon"), source)) {
            SourceCopy copy = new SourceCopy(daemon.url(), target, () -> false);
            assertThat(copy.local()).isFalse();
            assertThat(copy.restateDirectories()).isZero();
        }
        // the directories match; the file was not looked at, the missing directory not created
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(source, target))
                .extracting(d -> d.path() + " " + d.kind()).doesNotContain(". MTIME", "a MTIME", "a/b MTIME")
                .filteredOn(d -> !d.startsWith("a/f ")).containsExactly("only-in-source ONLY_IN_A");
        assertThat(Files.readString(target.resolve("a/f"))).isEqualTo("target");
    }

    @Test
    void aRepairFromARemoteSourceFollowsNoSymlinkOfIt() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Path outside = Files.createDirectories(dir.resolve("outside/sub"));
        Files.writeString(outside.resolve("secret"), "outside the module");
        Files.createDirectories(source.resolve("d/e"));
        Files.writeString(source.resolve("d/e/f"), "from the daemon");
        Files.createSymbolicLink(source.resolve("link"), dir.resolve("outside"));
        try (RsyncDaemon daemon = new RsyncDaemon(dir.resolve("daemon"), source)) {
            SourceCopy copy = new SourceCopy(daemon.url(), target, () -> false);
            assertThat(copy.copyPaths(List.of("d/e", "link/sub"))).isZero();
        }
        assertThat(Files.readString(target.resolve("d/e/f"))).isEqualTo("from the daemon");
        assertThat(target.resolve("link")).doesNotExist();
    }

    /** {@code rsync --daemon} serving one directory as module "store" on a loopback port. */
    static final class RsyncDaemon implements AutoCloseable {
        private final Process process;
        private final int port;

        RsyncDaemon(Path dir, Path module) throws Exception {
            Files.createDirectories(dir);
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = dir.resolve("rsyncd.conf");
            Files.writeString(config, "use chroot = no\nuid = root\ngid = root\n[store]\npath = " + module
                    + "\nread only = yes\n");
            process = new ProcessBuilder("rsync", "--daemon", "--no-detach", "--address=127.0.0.1",
                    "--port=" + port, "--config=" + config, "--log-file=" + dir.resolve("log")).inheritIO().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!listening()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("rsync --daemon did not start: " + Files.readString(dir.resolve("log")));
                }
                Thread.sleep(20);
            }
        }

        private boolean listening() {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        String url() {
            return "rsync://127.0.0.1:" + port + "/store";
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
