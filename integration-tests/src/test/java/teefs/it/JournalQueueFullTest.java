package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;
import static teefs.it.Shell.sh;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue's disk fills up: writes on the mount fail with ENOSPC and STORE keeps nothing the journal lacks; once
 * space is freed, writes succeed again, and a replay of the queue still equals STORE. The second test races a filler
 * process against the writers, so that space vanishes between any check and the append that follows it.
 */
@Timeout(180)
class JournalQueueFullTest {
    @TempDir
    Path root;
    private Path queueFs;

    @AfterEach
    void unmountTmpfs() throws Exception {
        if (queueFs != null) {
            Mounts.detach(queueFs);
        }
    }

    @Test
    void writesFailWithEnospcWhileTheQueueDiskIsFullAndWorkAgainOnceItIsNot() throws Exception {
        Fuse.assumeAvailable();
        queueFs = Files.createDirectories(root.resolve("queuefs"));
        // a 96 MiB tmpfs for the queue, with a 16 MiB reserve (kept free, and as much again allocated ahead in the
        // current cycle file): about 64 MiB of journal fit
        sh(root, "mount -t tmpfs -o size=96m teefs-queue-test " + queueFs);
        try (JournalFixture j = new JournalFixture(root.resolve("j"), queueFs.resolve("q"))) {
            j.start("--reserve", "16M", "--sync", "none");
            String out = sh(j.mount, """
                    set +e
                    for i in $(seq 1 40); do
                      if ! dd if=/dev/urandom of=f$i bs=1M count=4 status=none 2>err; then
                        cat err; echo "FAILED AT $i"; break
                      fi
                    done
                    rm -f err
                    true
                    """);
            assertThat(out).contains("No space left on device").contains("FAILED AT");
            assertThat(j.process().isAlive()).as("a full queue disk is not a crash").isTrue();
            // nothing unjournaled in STORE: a replay of the queue equals STORE
            j.stop();
            j.assertReplayMatchesStore();
            // free space (grow the filesystem), start again: writes work and everything still converges
            sh(root, "mount -o remount,size=512m " + queueFs);
            j.start("--reserve", "16M", "--sync", "none");
            sh(j.mount, "dd if=/dev/urandom of=after bs=1M count=8 status=none && rm -f f1");
            j.stop();
            j.assertReplayMatchesStore();
            assertThat(j.store.resolve("after")).exists();
        }
    }

    /**
     * A filler process keeps the queue's tmpfs at the edge of full (it writes until ENOSPC, frees a random 128 KiB to
     * 8 MiB, and writes again) while two writers create, write, rename, chmod and delete through the mount. Every
     * failure they see is ENOSPC (never EIO: the mount must not fail-stop); once the filler's file is gone the same
     * mount works without a restart, and a replay of the queue equals STORE. With {@code --reserve 0} nothing but
     * the journal's block reservation stands between an append and the full disk: without it this test fails within
     * seconds (a SIGBUS in Chronicle's mapping, the mount fail-stopped with EIO); with only the old free-space check
     * in front, it failed the same way (the append re-checked after STORE changed).
     */
    @Test
    void aFillerRacingTheWritersGetsEnospcNeverEioAndTheMountRecoversByItself() throws Exception {
        Fuse.assumeAvailable();
        queueFs = Files.createDirectories(root.resolve("queuefs"));
        sh(root, "mount -t tmpfs -o size=512m teefs-queue-race " + queueFs);
        Path stop = root.resolve("filler.stop");
        Path filler = queueFs.resolve("filler");
        try (JournalFixture j = new JournalFixture(root.resolve("j"), queueFs.resolve("q"))) {
            j.start("--reserve", "0", "--sync", "none");
            Process fillerProcess = new ProcessBuilder("bash", "-c", """
                    while [ ! -e %s ]; do
                      dd if=/dev/zero of=%s bs=64k oflag=append conv=notrunc status=none 2>/dev/null
                      size=$(stat -c %%s %s)
                      cut=$(( (RANDOM %% 64 + 1) * 131072 ))
                      if [ "$size" -gt "$cut" ]; then truncate -s $((size - cut)) %s; fi
                    done
                    """.formatted(stop, filler, filler, filler)).redirectErrorStream(true)
                    .redirectOutput(root.resolve("filler.log").toFile()).start();
            Outcomes outcomes = new Outcomes();
            try {
                List<Thread> writers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int id = t;
                    Thread w = new Thread(() -> writeUntilDone(j.mount.resolve("w" + id), id, 1500, outcomes));
                    w.start();
                    writers.add(w);
                }
                for (Thread w : writers) {
                    w.join(TimeUnit.MINUTES.toMillis(5));
                    assertThat(w.isAlive()).as("writer still running after 5 minutes").isFalse();
                }
            } finally {
                Files.createFile(stop);
                if (!fillerProcess.waitFor(60, TimeUnit.SECONDS)) {
                    fillerProcess.destroyForcibly();
                }
                Files.deleteIfExists(filler);
            }
            assertThat(outcomes.unexpected).as("failures other than ENOSPC (EIO means the mount fail-stopped); "
                    + "journal errors:\n%s", errors(j.process().output())).isEmpty();
            assertThat(outcomes.enospc.get()).as("the filler kept the queue disk full some of the time").isPositive();
            assertThat(outcomes.ok.get()).as("writes succeeded whenever there was room").isPositive();
            assertThat(j.process().isAlive()).isTrue();
            // the filler is gone: the same mount, never restarted, takes changes again
            Path after = Files.createDirectories(j.mount.resolve("after"));
            Files.write(after.resolve("big"), new byte[3 << 20]);
            Files.writeString(after.resolve("small"), "works again");
            Files.move(after.resolve("small"), after.resolve("small2"));
            assertThat(j.process().output()).doesNotContain("refuses changes with EIO");
            j.stop();
            j.assertReplayMatchesStore();
            System.out.printf("queue race: %d ok, %d ENOSPC%n", outcomes.ok.get(), outcomes.enospc.get());
        }
    }

    private static String errors(String log) {
        return log.lines().filter(l -> l.contains("ERROR") || l.contains("Caused by") || l.contains("Exception"))
                .limit(20).reduce("", (a, b) -> a + b + "\n");
    }

    /** What the writers saw: successes, ENOSPC, and anything else (which fails the test). */
    private static final class Outcomes {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger enospc = new AtomicInteger();
        final List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());

        void run(String what, IoOp op) {
            try {
                op.run();
                ok.incrementAndGet();
            } catch (FileSystemException e) {
                String reason = String.valueOf(e.getReason());
                if (reason.contains("No space left on device")) {
                    enospc.incrementAndGet();
                } else if (e instanceof java.nio.file.NoSuchFileException
                        || e instanceof java.nio.file.FileAlreadyExistsException) {
                    ok.incrementAndGet(); // the consequence of an earlier refusal (a create that got ENOSPC)
                } else {
                    unexpected.add(what + ": " + e);
                }
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("No space left on device")) {
                    enospc.incrementAndGet();
                } else {
                    unexpected.add(what + ": " + e);
                }
            }
        }
    }

    @FunctionalInterface
    private interface IoOp {
        void run() throws IOException;
    }

    private static void writeUntilDone(Path base, int seed, int iterations, Outcomes outcomes) {
        Random random = new Random(seed);
        byte[] big = new byte[40 << 10];
        for (int n = 0; n < iterations; n++) {
            int i = n;
            Path dir = base.resolve("d" + (i % 20));
            Path small = dir.resolve("s" + i);
            Path moved = dir.resolve("r" + i);
            Path large = dir.resolve("b" + i);
            random.nextBytes(big);
            outcomes.run("mkdir " + dir, () -> Files.createDirectories(dir));
            outcomes.run("write " + small, () -> Files.writeString(small, "small " + i));
            outcomes.run("write " + large, () -> Files.write(large, big));
            outcomes.run("rename " + small, () -> Files.move(small, moved, StandardCopyOption.REPLACE_EXISTING));
            outcomes.run("chmod " + moved, () -> Files.setPosixFilePermissions(moved,
                    PosixFilePermissions.fromString(i % 2 == 0 ? "rw-------" : "rw-r--r--")));
            if (i % 3 == 0) {
                outcomes.run("unlink " + large, () -> Files.deleteIfExists(large));
            }
        }
    }
}
