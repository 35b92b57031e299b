package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror's drive is unmounted under it, lazily as `umount -l` does (or a desktop's eject): no write fails, they
 * go on into the detached filesystem, and the path TARGET now names the empty mount point. The mirror must not save
 * a position for those writes, must not write into the mount point, and must go on by itself once the drive is
 * mounted again, converging.
 */
@Timeout(240)
class MirrorTargetVanishesTest {
    @TempDir
    Path root;
    private Path mountPoint;

    @AfterEach
    void unmount() throws Exception {
        if (mountPoint != null) {
            Mounts.detach(mountPoint);
        }
    }

    @Test
    void aDriveUnmountedUnderTheMirrorPausesItAndItGoesOnOnceMountedAgain() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            Path drive = Files.createDirectories(root.resolve("drive"));
            Path target = Files.createDirectories(p.target("disk"));
            bindOrSkip(drive, target);
            mountPoint = target;
            p.start();
            Path mount = p.journal.mount;
            Files.writeString(mount.resolve("before"), "on the drive");
            p.startMirror("disk", true);
            p.awaitMirrorLog("disk", "bootstrap window applied", Duration.ofSeconds(60));
            p.awaitConverged(Duration.ofSeconds(60), "disk");

            Mounts.detach(target);
            Files.writeString(mount.resolve("while-away"), "journaled while the drive was unmounted");
            Files.writeString(mount.resolve("before"), "changed while the drive was unmounted");
            p.awaitMirrorLog("disk", "paused: ", Duration.ofSeconds(30));
            assertThat(p.mirror("disk").output()).contains("vanished or was replaced");
            Thread.sleep(3000); // the mirror retries its pause meanwhile (every 2 s at most)
            try (var left = Files.list(target)) {
                assertThat(left.toList()).as("nothing is written into the empty mount point").isEmpty();
            }

            assertThat(Mounts.mount("--bind", drive.toString(), target.toString())).isTrue();
            p.awaitConverged(Duration.ofSeconds(60), "disk");
            assertThat(Files.readString(target.resolve("before"))).isEqualTo("changed while the drive was unmounted");
            assertThat(p.mirror("disk").isAlive()).isTrue();
        }
    }

    /** Under teefs up, the supervisor says why a mirror is not connected: its pause, told once, from its own log. */
    @Test
    void teefsUpTellsWhyAMirrorIsPausedAndWhenItIsBack() throws Exception {
        Fuse.assumeAvailable();
        Path drive = Files.createDirectories(root.resolve("drive"));
        Path target = Files.createDirectories(root.resolve("pool/disk1"));
        bindOrSkip(drive, target);
        mountPoint = target;
        try (UpFixture up = new UpFixture(root.resolve("up"), null)) {
            up.config("", "disk1", target.toString(), "").start();
            up.awaitOutput("mirror disk1 connected", Duration.ofSeconds(120));
            Files.writeString(up.mount.resolve("a"), "on the drive");
            up.awaitConverged(Duration.ofSeconds(60));

            Mounts.detach(target);
            Files.writeString(up.mount.resolve("b"), "while the drive is away");
            up.awaitOutput("mirror disk1 paused: the target directory " + target + " vanished or was replaced",
                    Duration.ofSeconds(60));
            assertThat(up.process().output()).containsOnlyOnce("mirror disk1 paused: ");

            assertThat(Mounts.mount("--bind", drive.toString(), target.toString())).isTrue();
            up.awaitConverged(Duration.ofSeconds(60));
            assertThat(Files.readString(target.resolve("b"))).isEqualTo("while the drive is away");
            up.stop();
        }
    }

    /** --needs-mount: a bootstrap onto a drive that is not mounted waits, creating and copying nothing, then runs. */
    @Test
    void aBootstrapThatNeedsItsDriveWaitsForItToBeMounted() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            Path drive = Files.createDirectories(root.resolve("drive"));
            Path target = Files.createDirectories(p.target("disk")); // the bare mount point
            if (teefs.posix.MountInfo.mountOf(target, teefs.posix.MountInfo.mounts()).getNameCount() != 0) {
                String message = "SKIPPING: the temporary directory " + target + " is on a filesystem of its own (a"
                        + " tmpfs /tmp?), so it counts as a mounted drive; this test needs it on /";
                System.err.println("\n*** " + message + " ***\n");
                Assumptions.abort(message);
            }
            p.start();
            Files.writeString(p.journal.mount.resolve("f"), "to copy once the drive is there");
            p.startMirror("disk", true, "--needs-mount");
            p.awaitMirrorLog("disk", "paused: no drive is mounted at --target " + target, Duration.ofSeconds(60));
            Thread.sleep(2000);
            try (var left = Files.list(target)) {
                assertThat(left.toList()).as("nothing copied onto the root filesystem").isEmpty();
            }
            bindOrSkip(drive, target);
            mountPoint = target;
            p.awaitMirrorLog("disk", "bootstrap window applied", Duration.ofSeconds(60));
            p.awaitConverged(Duration.ofSeconds(60), "disk");
            assertThat(drive.resolve("f")).hasContent("to copy once the drive is there");
        }
    }

    /** Mounts {@code drive} at {@code target} (a bind mount stands for a drive), or skips loudly without root. */
    private static void bindOrSkip(Path drive, Path target) throws Exception {
        if (!Mounts.mount("--bind", drive.toString(), target.toString())) {
            String message = "SKIPPING: mount --bind needs root; drives mounted and unmounted under a mirror are tested"
                    + " as root";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
    }
}
