package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

/**
 * The position a bootstrap saves says "the copy is on TARGET": it must reach the disk after the copy's data does, or
 * a power cut right after it leaves a mirror that resumes on files rsync's writes never reached. A power cut cannot
 * be had here; the order of the system calls can: the real mirror process runs under strace, and its first syncfs
 * must come before the rename that saves the position.
 */
@Timeout(180)
class MirrorBootstrapDurabilityTest {
    @TempDir
    Path root;

    @Test
    void theCopyIsSyncedBeforeThePositionIsSaved() throws Exception {
        Fuse.assumeAvailable();
        assertThat(Shell.onPath("strace")).as("strace is needed to watch the mirror's system calls: apt-get install"
                + " strace (.ci/run does)").isTrue();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            for (int i = 0; i < 50; i++) {
                Files.writeString(p.journal.mount.resolve("f" + i), "copied by the bootstrap's rsync " + i);
            }
            Path target = p.target("late");
            Path state = root.resolve("late.state");
            Path trace = root.resolve("strace.txt");
            Path log = root.resolve("mirror.log");
            List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString(),
                    "-e", "trace=syncfs,rename,renameat,renameat2"));
            command.addAll(TeefsProcess.command("mirror", "--connect", "unix:" + p.socket, "--target",
                    target.toString(), "--state", state.toString(), "--bootstrap", "--source",
                    p.journal.store.toString()));
            Process strace = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (!(Files.exists(log) && Files.readString(log).contains("bootstrap window applied"))) {
                    assertThat(strace.isAlive() && System.nanoTime() < deadline)
                            .as("the mirror under strace did not finish its bootstrap:\n" + read(log)).isTrue();
                    Thread.sleep(20);
                }
            } finally {
                // SIGTERM to the mirror itself (strace would only detach): it saves its position and exits
                strace.toHandle().children().forEach(ProcessHandle::destroy);
                strace.waitFor();
            }
            assertThat(read(log)).contains("stopped; position saved");

            List<String> calls = Files.readAllLines(trace);
            int firstSave = -1;
            int firstSync = -1;
            for (int i = 0; i < calls.size(); i++) {
                String call = calls.get(i);
                if (firstSync < 0 && call.contains("syncfs(") && call.endsWith("= 0")) {
                    firstSync = i;
                }
                if (firstSave < 0 && call.contains("rename") && call.contains("\"" + state + "\"")) {
                    firstSave = i;
                }
            }
            assertThat(firstSave).as("the position was saved (a rename onto %s):\n%s", state, calls).isNotNegative();
            assertThat(firstSync).as("TARGET was synced before the first save of the position:\n%s",
                    String.join("\n", calls)).isNotNegative().isLessThan(firstSave);
            assertThat(new TreeVerifier(VerifyOptions.full())
                    .compare(p.journal.store, target)).isEmpty();
        }
    }

    private static String read(Path log) throws Exception {
        return Files.exists(log) ? Files.readString(log) : "(no output)";
    }
}
