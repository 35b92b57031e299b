package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * User mistakes get one clear line naming the path and the fix, exit code 2, and no stack trace. A stale mount left by
 * a killed journal is not one: the next journal detaches it itself.
 */
@Timeout(120)
class JournalRefusalsTest {
    @TempDir
    Path root;

    private TeefsProcess.Result journal(Path store, Path mount, Path queue) throws Exception {
        return TeefsProcess.run(root.resolve("logs"), "journal-" + System.nanoTime(), Duration.ofSeconds(60),
                "journal", "--store", store.toString(), "--mount", mount.toString(), "--queue", queue.toString());
    }

    private static void assertUserError(TeefsProcess.Result result, String... fragments) {
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).contains(fragments).doesNotContain("\tat ", "Exception");
    }

    @Test
    void storeAndMountTheSameDirectory() throws Exception {
        Path dir = Files.createDirectories(root.resolve("same"));
        assertUserError(journal(dir, dir, root.resolve("q")), "same directory");
    }

    @Test
    void storeInsideMount() throws Exception {
        Path mount = Files.createDirectories(root.resolve("m"));
        assertUserError(journal(mount.resolve("store"), mount, root.resolve("q")), "inside MOUNT");
    }

    @Test
    void queueInsideStore() throws Exception {
        Path store = Files.createDirectories(root.resolve("s"));
        assertUserError(journal(store, root.resolve("m"), store.resolve("q")), "QUEUE", "inside STORE");
    }

    @Test
    void mountNotEmpty() throws Exception {
        Path mount = Files.createDirectories(root.resolve("m"));
        Files.writeString(mount.resolve("leftover"), "x");
        assertUserError(journal(root.resolve("s"), mount, root.resolve("q")), "not empty");
    }

    @Test
    void badOptionValues() throws Exception {
        TeefsProcess.Result result = TeefsProcess.run(root.resolve("logs"), "badsync", Duration.ofSeconds(60),
                "journal", "--sync", "sometimes", "--store", root.resolve("s").toString());
        assertUserError(result, "none, batch or always");
    }

    @Test
    void aStaleMountAfterKill9IsNotRefusedTheJournalDetachesItAndMountsAgain() throws Exception {
        Fuse.assumeAvailable();
        try (JournalFixture fixture = new JournalFixture(root.resolve("j"))) {
            fixture.start();
            Files.writeString(fixture.mount.resolve("before"), "written before the kill");
            fixture.process().kill9();
            assertThat(Fuse.isMounted(fixture.mount)).as("the mount is left stale").isTrue();
            // the stale mount ("Transport endpoint is not connected") is the journal's own leftover: it detaches it,
            // says so in one line, and mounts again
            fixture.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (true) {
                String out = fixture.process().output();
                int detached = out.indexOf("detached the stale mount " + fixture.mount);
                if (detached >= 0 && out.indexOf("is mounted at", detached) > 0) {
                    break;
                }
                assertThat(fixture.process().isAlive()).as(out).isTrue();
                assertThat(System.nanoTime()).as("mounted again within 90 s:\n%s", out).isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(fixture.mount.resolve("before")).hasContent("written before the kill");
            fixture.stop();
            fixture.assertReplayMatchesStore();
        }
    }
}
