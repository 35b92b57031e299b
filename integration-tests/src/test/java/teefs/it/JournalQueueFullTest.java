package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;
import static teefs.it.Shell.sh;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue's disk fills up: writes on the mount fail with ENOSPC and STORE keeps nothing the journal lacks; once
 * space is freed, writes succeed again, and a replay of the queue still equals STORE.
 */
@Timeout(180)
class JournalQueueFullTest {
    @TempDir
    Path root;
    private Path queueFs;

    @AfterEach
    void unmountTmpfs() throws Exception {
        if (queueFs != null) {
            new ProcessBuilder("umount", "-l", queueFs.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void writesFailWithEnospcWhileTheQueueDiskIsFullAndWorkAgainOnceItIsNot() throws Exception {
        Fuse.assumeAvailable();
        queueFs = Files.createDirectories(root.resolve("queuefs"));
        // a 96 MiB tmpfs for the queue, with a 16 MiB reserve: about 80 MiB of journal fit
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
}
