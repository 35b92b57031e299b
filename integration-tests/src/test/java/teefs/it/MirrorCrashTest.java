package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults while a writer is busy on the mount: a mirror SIGKILLed twenty times at random moments, the broadcaster
 * SIGKILLed and restarted mid-stream, and a mirror bootstrapped while the writer runs. Each ends with the mirror
 * identical to STORE once the writer stops.
 */
@Timeout(240)
class MirrorCrashTest {
    @TempDir
    Path root;

    @Test
    void mirrorSigkilledTwentyTimesDuringAWorkloadConverges() throws Exception {
        Fuse.assumeAvailable();
        Random random = new Random(20261124);
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            p.startMirror("victim", true);
            p.startMirror("calm", true);
            Process writer = startWriter(p.journal.mount, 1);
            for (int kill = 0; kill < 20; kill++) {
                // a random moment while it applies: between 0 and 400 ms after it started streaming
                p.awaitMirrorLog("victim", "streaming", Duration.ofSeconds(30));
                Thread.sleep(random.nextInt(400));
                assertThat(writer.isAlive()).as("the writer must be busy when the kill comes").isTrue();
                TeefsProcess victim = p.mirror("victim");
                assertThat(victim.isAlive()).as("victim before kill %d; log:\n%s", kill, victim.output()).isTrue();
                victim.kill9();
                p.startMirror("victim", false);
            }
            stop(writer);
            p.awaitConverged(Duration.ofSeconds(60), "victim", "calm");
            String log = p.mirror("victim").output();
            assertThat(log).contains("streaming after index");
        }
    }

    @Test
    void broadcasterSigkilledAndRestartedMidStreamConverges() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            p.startMirror("m1", true);
            p.startMirror("m2", true, "--sync", "none"); // always = syncfs per record: ~80 records/s under load
            p.awaitMirrorLog("m1", "streaming", Duration.ofSeconds(30));
            p.awaitMirrorLog("m2", "streaming", Duration.ofSeconds(30));
            Process writer = startWriter(p.journal.mount, 2);
            for (int round = 0; round < 3; round++) {
                Thread.sleep(700);
                p.kill9Broadcaster();
                Thread.sleep(300);
                p.startBroadcaster();
            }
            Thread.sleep(500);
            stop(writer);
            p.awaitConverged(Duration.ofSeconds(60), "m1", "m2");
            assertThat(p.mirror("m1").output()).contains("disconnected").contains("reconnecting with backoff");
            assertThat(p.mirror("m1").isAlive()).isTrue();
        }
    }

    @Test
    void mirrorBootstrappedWhileAWriterIsBusyConverges() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            Process writer = startWriter(p.journal.mount, 3);
            Thread.sleep(1500);
            p.startMirror("late", true);
            // the whole bootstrap runs under the writer, so the window holds renames that raced its copies (judged
            // earlier, convergence could pass on the last copy alone, made after the writer stopped)
            p.awaitMirrorLog("late", "bootstrap: copy done", Duration.ofSeconds(120));
            assertThat(writer.isAlive()).as("the writer must be busy during the whole bootstrap").isTrue();
            p.awaitMirrorLog("late", "streaming", Duration.ofSeconds(60));
            Thread.sleep(1000);
            stop(writer);
            p.awaitMirrorLog("late", "bootstrap window applied", Duration.ofSeconds(120));
            p.awaitConverged(Duration.ofSeconds(60), "late");
        }
    }

    private static void stop(Process writer) throws InterruptedException {
        writer.destroy();
        writer.waitFor(30, TimeUnit.SECONDS);
    }

    static Process startWriter(Path mount, int seed) throws Exception {
        return BusyWriter.start(mount, "w" + seed, seed, ProcessBuilder.Redirect.DISCARD);
    }
}
