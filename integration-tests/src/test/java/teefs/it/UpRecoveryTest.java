package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.cli.up.MountTable;
import teefs.cli.up.ProcessId;

/**
 * {@code teefs up} when something is wrong for good, or was left behind: a mirror that cannot apply a record (exit 3)
 * is left stopped with the fix named, and comes back after it; a {@code teefs up} killed with SIGKILL is cleared up
 * by the next one of the same config (its roles stopped, the mount taken over, the seal renewed); {@code teefs
 * journal} recovers a stale, sealed mount point that a killed pipeline left; a mount point someone else has mounted is
 * refused and left exactly as it was.
 */
@Timeout(300)
class UpRecoveryTest {
    @TempDir
    Path root;

    @Test
    void aMirrorThatCannotApplyARecordIsLeftStoppedWithItsFixAndComesBackAfterIt() throws Exception {
        Fuse.assumeAvailable();
        try (UpFixture up = new UpFixture(root.resolve("exit3"), null)) {
            Path disk1 = up.dir.resolve("disk1");
            Path disk2 = up.dir.resolve("disk2");
            up.config("""
                    [supervise]
                    backoff_initial = "50ms"
                    backoff_max = "200ms"
                    """, "disk1", disk1.toString(), "", "disk2", disk2.toString(), "").start();
            Files.createDirectories(up.mount.resolve("d"));
            Files.writeString(up.mount.resolve("d/a.txt"), "a\n");
            up.awaitConverged(Duration.ofSeconds(120));
            String restarts = lineWith(restart(up, "status").output(), "mirror disk1").split("\\s+")[5];

            // behind the mirror's back, d on disk1 becomes a symlink that leads out of the target: the next record
            // under d cannot be applied (a mirror never walks through a symlink), and no restart can change that
            Path outside = Files.createDirectories(up.dir.resolve("outside"));
            FileTime disk1Time = Files.getLastModifiedTime(disk1);
            Shell.sh(up.dir, "mv disk1/d d.saved && ln -s ../outside disk1/d");
            Files.writeString(up.mount.resolve("d/b.txt"), "b\n");
            up.awaitOutput("mirror disk1 exited with code 3", Duration.ofSeconds(60));
            String line = lineWith(up.process().output(), "mirror disk1 exited with code 3");
            assertThat(line).contains("symlink", "left stopped", up.logs.resolve("mirror-disk1.log").toString(),
                    "then: teefs restart mirror disk1");

            // many backoffs later: not restarted, nothing written outside its target, the other mirror unaffected
            Thread.sleep(3000);
            assertThat(up.child("mirror", "disk1")).as("a mirror that exited 3 is not restarted").isEmpty();
            String after = up.process().output().substring(up.process().output().indexOf(line));
            assertThat(after).doesNotContain("mirror disk1 started (pid", "storm limit");
            assertThat(outside.resolve("b.txt")).doesNotExist();
            assertThat(up.child("mirror", "disk2")).isPresent();
            Await.file(disk2.resolve("d/b.txt"), "b\n", Duration.ofSeconds(60));

            // the screen says it: failed, why, and the command that brings it back; no restart is counted
            String status = restart(up, "status").output();
            String row = lineWith(status, "mirror disk1");
            assertThat(row).contains("failed", "cannot apply a record (exit 3)", "teefs restart mirror disk1");
            assertThat(row.split("\\s+")[5]).as("RST column of: %s", row).isEqualTo(restarts);

            // the fix, then the restart the message names: it resumes at the record it stopped at
            Shell.sh(up.dir, "rm disk1/d && mv d.saved disk1/d");
            Files.setLastModifiedTime(disk1, disk1Time); // the tampering changed the target root's mtime too
            TeefsProcess.Result r = restart(up, "mirror", "disk1");
            assertThat(r.exitCode()).as(r.output()).isZero();
            up.awaitConverged(Duration.ofSeconds(120));
            assertThat(disk1.resolve("d/b.txt")).hasContent("b");
            up.stop();
        }
    }

    @Test
    void aTeefsUpKilledWithSigkillIsClearedUpByTheNextOne() throws Exception {
        Fuse.assumeAvailable();
        try (UpFixture up = new UpFixture(root.resolve("killed"), null)) {
            up.config("", "disk1", root.resolve("killed/disk1").toString(), "").start();
            Files.writeString(up.mount.resolve("before.txt"), "1\n");
            up.awaitConverged(Duration.ofSeconds(120));
            long firstUp = up.process().pid();
            List<ProcessId> roles = new ArrayList<>();
            for (String[] role : List.of(new String[] {"journal"}, new String[] {"broadcast"},
                    new String[] {"mirror", "disk1"})) {
                roles.add(ProcessId.of(up.child(role).orElseThrow().pid()).orElseThrow());
            }

            up.process().kill9();
            // what SIGKILL leaves: the roles run on (their own sessions), the mount is up
            Thread.sleep(1000);
            for (ProcessId p : roles) {
                assertThat(p.isRunning()).as("role pid %d after SIGKILL of teefs up", p.pid()).isTrue();
            }
            assertThat(Fuse.isMounted(up.mount)).isTrue();

            // the next teefs up of the same config stops them, takes the mount point over, and runs
            up.start();
            String line = lineWith(up.process().output(), "recovering from teefs up pid " + firstUp);
            assertThat(line).contains("which was killed", "journal (pid " + roles.get(0).pid() + ")",
                    "broadcast (pid " + roles.get(1).pid() + ")", "mirror disk1 (pid " + roles.get(2).pid() + ")");
            assertThat(line.indexOf("mirror disk1 (pid")).isLessThan(line.indexOf("journal (pid"));
            for (ProcessId p : roles) {
                assertThat(p.isRunning()).as("left-over role pid %d", p.pid()).isFalse();
            }
            Files.writeString(up.mount.resolve("after.txt"), "2\n");
            up.awaitConverged(Duration.ofSeconds(120));
            up.stop();
            assertThat(MountTable.isSealed(up.mount)).as("unsealed after the clean stop").isFalse();
            assertThat(up.dir.resolve("teefs-up.pids")).doesNotExist();
        }
    }

    @Test
    void teefsJournalRecoversTheStaleSealedMountPointOfAKilledPipeline() throws Exception {
        Fuse.assumeAvailable();
        try (UpFixture up = new UpFixture(root.resolve("journal"), null)) {
            up.config("[broadcast]\nenabled = false\n").start();
            Files.writeString(up.mount.resolve("before.txt"), "1\n");
            long firstUp = up.process().pid();
            ProcessHandle journal = up.child("journal").orElseThrow();
            up.process().kill9();
            journal.destroyForcibly();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!MountTable.isStale(up.mount)) { // the journal is not our child: its mount goes stale when it dies
                assertThat(System.nanoTime()).as("the mount goes stale").isLessThan(deadline);
                Thread.sleep(50);
            }

            // teefs journal by hand on the same directories: it detaches, unseals, mounts, and says so
            try (TeefsProcess j = TeefsProcess.start(up.dir.resolve("up-logs"), "journal", "journal", "--store",
                    up.store.toString(), "--mount", up.mount.toString(), "--queue", up.queue.toString())) {
                Fuse.awaitMounted(up.mount, j, Duration.ofSeconds(90));
                awaitText(j, "is mounted at");
                assertThat(j.output()).contains("detached the stale mount " + up.mount,
                        "unsealed " + up.mount + " (chattr -i: the teefs up that sealed it, pid " + firstUp
                                + ", is gone)");
                assertThat(up.mount.resolve("before.txt")).hasContent("1");
                Files.writeString(up.mount.resolve("after.txt"), "2\n");
                assertThat(j.terminate(Duration.ofSeconds(60))).isIn(0, 143);
            }
            assertThat(Fuse.isMounted(up.mount)).isFalse();
            assertThat(MountTable.isSealed(up.mount)).isFalse();
            Files.writeString(up.mount.resolve("writable"), "");
            Files.delete(up.mount.resolve("writable"));
            assertThat(up.store.resolve("after.txt")).hasContent("2");
        }
    }

    @Test
    void aMountPointSomeoneElseMountedIsRefusedAndLeftAlone() throws Exception {
        Fuse.assumeAvailable();
        Path other = root.resolve("other");
        try (UpFixture up = new UpFixture(root.resolve("busy"), null);
                TeefsProcess j = TeefsProcess.start(other, "journal", "journal", "--store",
                        other.resolve("store").toString(), "--mount", root.resolve("busy/mount").toString(),
                        "--queue", other.resolve("queue").toString())) {
            Fuse.awaitMounted(root.resolve("busy/mount"), j, Duration.ofSeconds(90));
            up.config("");
            TeefsProcess.Result r = TeefsProcess.run(up.dir.resolve("up-logs"), "refused", Duration.ofSeconds(120),
                    "up", "--plain", "--config", up.config.toString());
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(r.output()).contains(up.mount + " is already mounted").doesNotContain("fusermount -u -z");
            // the other journal's mount is untouched, and works
            assertThat(j.isAlive()).isTrue();
            assertThat(Fuse.isMounted(up.mount)).isTrue();
            Files.writeString(up.mount.resolve("still-works.txt"), "yes\n");
            assertThat(other.resolve("store/still-works.txt")).hasContent("yes");
            assertThat(j.terminate(Duration.ofSeconds(60))).isIn(0, 143);
        }
    }

    private static TeefsProcess.Result restart(UpFixture up, String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "restart";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--config";
        all[args.length + 2] = up.config.toString();
        // a log of its own per call: TeefsProcess appends to the log it is given
        return TeefsProcess.run(up.dir.resolve("up-logs"), "restart-" + System.nanoTime(), Duration.ofSeconds(120),
                all);
    }

    private static String lineWith(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with '" + part + "' in:\n" + UpFixture.tail(text)));
    }

    private static void awaitText(TeefsProcess p, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!p.output().contains(text)) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new AssertionError("no '" + text + "' from teefs:\n" + p.output());
            }
            Thread.sleep(50);
        }
    }
}
