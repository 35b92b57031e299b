package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teefs.posix.Stat;

/** CHMOD with fchmodat2 (one call) and without it (lstat, then fchmodat): the same outcome either way. */
class TargetFilesChmodTest {
    @TempDir
    Path target;
    @TempDir
    Path outside;

    @ParameterizedTest(name = "fchmodat2: {0}")
    @ValueSource(booleans = {true, false})
    void setsModesFollowsNoSymlinkAndSkipsWhatIsAbsent(boolean fchmodat2) throws IOException {
        Files.writeString(target.resolve("f"), "x");
        Files.createDirectory(target.resolve("d"));
        Path secret = Files.writeString(outside.resolve("secret"), "s");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(target.resolve("link"), secret);
        try (PathGuard guard = PathGuard.open(target)) {
            TargetFiles files = new TargetFiles(guard, true);
            if (!fchmodat2) {
                files.withoutFchmodat2();
            }
            files.chmod("f", 04751);
            files.chmod("d", 0700);
            files.chmod("link", 0777);
            files.chmod("missing", 0600);
            files.chmod("d/missing", 0600);
            assertThat(mode(target.resolve("f"))).isEqualTo(04751);
            assertThat(mode(target.resolve("d"))).isEqualTo(0700);
            assertThat(mode(secret)).as("the symlink's target, outside TARGET").isEqualTo(0600);
            assertThat(Files.exists(target.resolve("missing"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            // a path through a symlink is still refused, not followed
            assertThatThrownBy(() -> files.chmod("link/x", 0777)).isInstanceOf(ApplyException.class);
        }
    }

    private static int mode(Path p) {
        Stat s = new Stat();
        assertThat(s.lstat(p.toString())).isZero();
        return s.mode() & 07777;
    }
}
