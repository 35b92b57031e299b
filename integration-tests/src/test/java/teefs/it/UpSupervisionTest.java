package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code teefs up} as a newcomer and an operator use it: the default layout from an empty directory (a file written
 * to the mount appears on both drives), {@code teefs restart broadcast} while the mount stays up, SIGKILL of the
 * journal (stale mount detached, journal restarted), the storm limit, and a clean stop that unmounts.
 */
@Timeout(300)
class UpSupervisionTest {
    @TempDir
    Path root;

    @Test
    void defaultLayoutMirrorsWithinMillisecondsSurvivesKillsAndStopsCleanly() throws Exception {
        Fuse.assumeAvailable();
        Path cwd = Files.createDirectories(root.resolve("fresh-clone"));
        Path log = root.resolve("up.log");
        Process up = new ProcessBuilder(TeefsProcess.command("up")).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            Path data = cwd.resolve("teefs-data");
            Path mount = data.resolve("mount");
            awaitText(log, "ready: write into", up, Duration.ofSeconds(90));
            assertThat(Fuse.isMounted(mount)).isTrue();

            // a file written to the mount appears on both drives
            long t0 = System.nanoTime();
            Files.writeString(mount.resolve("hello.txt"), "hello\n");
            for (String disk : List.of("disk1", "disk2")) {
                Await.file(data.resolve("mirrors").resolve(disk).resolve("hello.txt"), "hello\n", Duration.ofSeconds(60));
            }
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            // the first file may wait for the mirrors' bootstrap; the next one shows the steady-state latency
            t0 = System.nanoTime();
            Files.writeString(mount.resolve("second.txt"), "two\n");
            for (String disk : List.of("disk1", "disk2")) {
                Await.file(data.resolve("mirrors").resolve(disk).resolve("second.txt"), "two\n", Duration.ofSeconds(30));
            }
            long steadyMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("UpSupervisionTest: first file on both drives after %d ms, next after %d ms%n", firstMs,
                    steadyMs);

            // teefs restart broadcast: a new broadcaster, the mount never goes away
            long oldBroadcast = childPid(up, "broadcast");
            TeefsProcess.Result r = runIn(cwd, "restart", "broadcast");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains("ok: broadcast restarted");
            assertThat(childPid(up, "broadcast")).isNotEqualTo(oldBroadcast);
            assertThat(Fuse.isMounted(mount)).isTrue();
            Files.writeString(mount.resolve("after-restart.txt"), "3\n");
            Await.file(data.resolve("mirrors/disk2/after-restart.txt"), "3\n", Duration.ofSeconds(60));

            // teefs restart mirror disk1, and a status query
            r = runIn(cwd, "restart", "mirror", "disk1");
            assertThat(r.exitCode()).as(r.output()).isZero();
            r = runIn(cwd, "restart", "status");
            assertThat(r.output()).contains("journal", "running", "mirror disk1", "mirror disk2", "head");

            // SIGKILL the journal: the supervisor detaches the stale mount and mounts again
            long journal = childPid(up, "journal");
            ProcessHandle.of(journal).orElseThrow().destroyForcibly();
            awaitText(log, "journal running (pid", up, Duration.ofSeconds(60), "stale");
            assertThat(childPid(up, "journal")).isNotEqualTo(journal);
            Files.writeString(mount.resolve("after-journal-kill.txt"), "4\n");
            for (String disk : List.of("disk1", "disk2")) {
                Await.file(data.resolve("mirrors").resolve(disk).resolve("after-journal-kill.txt"), "4\n",
                        Duration.ofSeconds(60));
            }

            // Ctrl-C / SIGTERM: mirrors, broadcaster, journal; unmounted; exit 0
            up.destroy();
            assertThat(up.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(log);
            assertThat(up.exitValue()).as(out).isZero();
            assertThat(out).contains("stopped cleanly");
            assertThat(out.indexOf("mirror disk1 stopped")).isLessThan(out.indexOf("broadcast stopped"));
            assertThat(out.indexOf("broadcast stopped")).isLessThan(out.indexOf("journal stopped"));
            assertThat(Fuse.isMounted(mount)).isFalse();
            for (String f : List.of("journal.log", "broadcast.log", "mirror-disk1.log", "mirror-disk2.log", "up.log")) {
                assertThat(data.resolve("logs").resolve(f)).exists();
            }
            TeefsProcess.Result v = runIn(cwd, "verify", "teefs-data/store", "teefs-data/mirrors/disk1");
            assertThat(v.exitCode()).as(v.output()).isZero();
        } finally {
            ProcessHandle.of(up.pid()).stream().flatMap(ProcessHandle::children).forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
            up.waitFor(30, TimeUnit.SECONDS);
            Fuse.forceUnmount(cwd.resolve("teefs-data/mount"));
        }
    }

    @Test
    void aRoleThatKeepsDyingIsLeftStoppedAndTeefsRestartBringsItBack() throws Exception {
        Fuse.assumeAvailable();
        try (UpFixture up = new UpFixture(root.resolve("storm"), null)) {
            up.config("""
                    [supervise]
                    backoff_initial = "50ms"
                    backoff_max = "200ms"
                    storm_limit = 3
                    storm_window = "60s"
                    """).start();
            long pid = -1;
            for (int i = 0; i < 3; i++) {
                pid = up.awaitNewChild(pid, Duration.ofSeconds(30), "broadcast");
                up.kill9("broadcast");
            }
            pid = up.awaitNewChild(pid, Duration.ofSeconds(30), "broadcast");
            up.kill9("broadcast");
            up.awaitOutput("left stopped (storm limit)", Duration.ofSeconds(10));
            Thread.sleep(1000);
            assertThat(up.child("broadcast")).as("no restart after the storm limit").isEmpty();
            assertThat(Fuse.isMounted(up.mount)).as("the mount is not touched by the broadcaster's storm").isTrue();

            TeefsProcess.Result r = TeefsProcess.run(up.dir.resolve("up-logs"), "restart", Duration.ofSeconds(90),
                    "restart", "broadcast", "--config", up.config.toString());
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(up.child("broadcast")).isPresent();
            r = TeefsProcess.run(up.dir.resolve("up-logs"), "restart-bad", Duration.ofSeconds(90),
                    "restart", "mirror", "nosuch", "--config", up.config.toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("no such role");
            up.stop();
        }
    }

    private static long childPid(Process up, String role) {
        return ProcessHandle.of(up.pid()).stream().flatMap(ProcessHandle::children)
                .filter(h -> {
                    List<String> args = ProcArgs.teefsArgs(h);
                    return !args.isEmpty() && args.get(0).equals(role);
                })
                .findFirst().orElseThrow(() -> new AssertionError("no " + role + " child")).pid();
    }

    private static TeefsProcess.Result runIn(Path cwd, String... args) throws Exception {
        Path out = Files.createTempFile("teefs-run", ".log");
        Process p = new ProcessBuilder(TeefsProcess.command(args)).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("teefs " + String.join(" ", args) + " did not finish");
        }
        return new TeefsProcess.Result(p.exitValue(), Files.readString(out));
    }

    private static void awaitText(Path log, String text, Process up, Duration timeout, String... before)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            int from = 0;
            for (String b : before) {
                int at = out.indexOf(b, from);
                from = at < 0 ? Integer.MAX_VALUE : at;
            }
            if (from != Integer.MAX_VALUE && out.indexOf(text, from) >= 0) {
                return;
            }
            if (!up.isAlive()) {
                throw new AssertionError("teefs up exited:\n" + out);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within " + timeout + ":\n" + out);
            }
            Thread.sleep(50);
        }
    }
}
