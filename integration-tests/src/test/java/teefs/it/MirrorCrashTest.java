package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** A python writer: appends, small files rewritten, renames, truncates, deletes, mkdirs, as fast as it can. */
    static Process startWriter(Path mount, int seed) throws Exception {
        String script = """
                import os, sys, random
                r = random.Random(%d)
                base = 'w%d'
                os.makedirs(base, exist_ok=True)
                big = open(os.path.join(base, 'big.log'), 'ab')
                i = 0
                while True:
                    i += 1
                    big.write(os.urandom(r.choice([100, 4096, 65536, 300000]))); big.flush()
                    p = os.path.join(base, 'f%%d' %% (i %% 50))
                    with open(p, 'wb') as f:
                        f.write(os.urandom(r.randint(0, 20000)))
                    if i %% 7 == 0:
                        os.replace(p, p + '.renamed')
                    if i %% 11 == 0:
                        os.truncate(os.path.join(base, 'big.log'), r.randint(0, 1 << 20))
                    if i %% 13 == 0 and os.path.exists(p + '.renamed'):
                        os.unlink(p + '.renamed')
                    if i %% 17 == 0:
                        d = os.path.join(base, 'dir%%d' %% i); os.mkdir(d); os.chmod(d, 0o700)
                """.formatted(seed, seed);
        Path file = Files.createTempFile("teefs-writer", ".py");
        Files.writeString(file, script);
        return new ProcessBuilder(List.of("python3", file.toString())).directory(mount.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
