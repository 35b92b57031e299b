package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of journal-fs in the middle of a write workload, a restart (which reconciles the operation that may have
 * been in flight), more writes, again: at the end, replaying QUEUE onto an empty directory gives STORE exactly.
 */
@Timeout(600)
class JournalCrashTest {
    private static final int ROUNDS = 4;

    @TempDir
    Path root;

    @Test
    void sigkillDuringWritesThenRestartConverges() throws Exception {
        Fuse.assumeAvailable();
        Random random = new Random(20261123);
        try (JournalFixture fixture = new JournalFixture(root.resolve("j"))) {
            fixture.start();
            for (int round = 0; round < ROUNDS; round++) {
                Path writerLog = root.resolve("writer-" + round + ".log");
                Process writer = startWriter(fixture.mount, round, writerLog);
                Thread.sleep(400 + random.nextInt(1200));
                assertThat(writer.isAlive()).as("the writer must still be writing when the kill comes; it said:\n%s"
                        + "\njournal log:\n%s", Files.exists(writerLog) ? Files.readString(writerLog) : "",
                        fixture.process().output()).isTrue();
                fixture.kill9();
                writer.destroyForcibly();
                writer.waitFor(30, TimeUnit.SECONDS);
                fixture.start();
            }
            // a last, undisturbed round after the final restart
            Process writer = startWriter(fixture.mount, ROUNDS, root.resolve("writer-last.log"));
            Thread.sleep(500);
            writer.destroy();
            writer.waitFor(30, TimeUnit.SECONDS);
            fixture.stop();
            assertThat(fixture.process().output()).contains("mounted at");
            fixture.assertReplayMatchesStore();
        }
    }

    private static Process startWriter(Path mount, int round, Path log) throws Exception {
        return BusyWriter.start(mount, "round" + round, round, ProcessBuilder.Redirect.to(log.toFile()));
    }
}
