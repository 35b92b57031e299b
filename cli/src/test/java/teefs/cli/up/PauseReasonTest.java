package teefs.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PauseReasonTest {
    @TempDir
    Path dir;

    @Test
    void theLastStateLineSaysWhetherAndWhyTheMirrorIsPaused() throws Exception {
        Path log = dir.resolve("mirror-disk1.log");
        assertThat(PauseReason.of(log)).as("no log yet").isNull();
        Files.writeString(log, """
                10:00:00.000 teefs mirror disk1: connecting to unix:/run/teefs.sock for target /pool/disk1
                10:00:00.100 teefs mirror disk1: streaming after index 41 (server head 41, queue q)
                """);
        assertThat(PauseReason.of(log)).isNull();
        Files.writeString(log, "10:00:05.000 teefs mirror disk1: paused: cannot apply record #42 WRITE on 'f': No space"
                + " left on device; retrying until the target is back (nothing is skipped)\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(PauseReason.of(log)).startsWith("cannot apply record #42 WRITE on 'f': No space left on device")
                .doesNotContain("\n");
        Files.writeString(log, "10:00:09.000 teefs mirror disk1: resumed: applied record #42; the target takes writes"
                + " again\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(PauseReason.of(log)).as("past the pause").isNull();
    }

    @Test
    void onlyTheEndOfALongLogIsRead() throws Exception {
        Path log = dir.resolve("long.log");
        StringBuilder b = new StringBuilder("10:00:00.000 teefs mirror d: paused: long ago\n");
        while (b.length() < 100_000) {
            b.append("10:00:01.000 teefs mirror d: 3 writes up to index 9 found no file on TARGET\n");
        }
        Files.writeString(log, b + "10:00:02.000 teefs mirror d: paused: the target directory /pool/d vanished\n");
        assertThat(PauseReason.of(log)).isEqualTo("the target directory /pool/d vanished");
        assertThat(PauseReason.shortened("x".repeat(200), 160)).hasSize(160).endsWith("...");
    }
}
