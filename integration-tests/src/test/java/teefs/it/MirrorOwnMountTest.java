package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.queue.JournalMounts;
import teefs.queue.JournalQueue;

/**
 * A mirror or a replay pointed inside the teefs mount of the queue it reads would journal every record it applies,
 * read it back and apply it again, nested one level deeper each time, until the journal or the disk is full. Both
 * refuse before writing anything, saying where the mount is; a mount of another queue (a relay) stays allowed.
 */
@Timeout(180)
class MirrorOwnMountTest {
    @TempDir
    Path root;

    @Test
    void aBootstrapIntoTheMountOfItsOwnQueueIsRefusedBeforeCopyingAnything() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            Path mount = p.journal.mount;
            Files.writeString(mount.resolve("f"), "landed");
            assertThat(mountSource(mount)).as("the mount names its queue").isEqualTo(
                    JournalMounts.fsName(queueId(p)));
            Path inside = mount.resolve("backup");
            long before = lastIndex(p);

            TeefsProcess mirror = p.startMirrorAt("loop", inside, true);
            assertThat(mirror.waitFor(Duration.ofSeconds(60))).as("mirror exit code:\n%s", mirror.output())
                    .isEqualTo(2);
            assertThat(mirror.output()).contains("--target " + inside + " is inside " + mount
                    + ", the teefs mount of queue " + queueId(p)).contains("Put --target on a drive outside");
            assertThat(inside).as("nothing created or copied").doesNotExist();
            assertThat(lastIndex(p)).as("nothing journaled").isEqualTo(before);
        }
    }

    @Test
    void aReplayIntoTheMountOfItsOwnQueueIsRefusedAndAnotherDirectoryIsNot() throws Exception {
        Fuse.assumeAvailable();
        try (MirrorFixture p = new MirrorFixture(root.resolve("p"))) {
            p.start();
            Path mount = p.journal.mount;
            Files.writeString(mount.resolve("f"), "landed");
            Path inside = Files.createDirectories(mount.resolve("replayed"));
            long before = lastIndex(p);

            TeefsProcess.Result refused = TeefsProcess.run(p.logs, "replay-inside", Duration.ofSeconds(60),
                    "replay", "--queue", p.journal.queue.toString(), "--target", inside.toString());
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("--target " + inside + " is inside " + mount
                    + ", the teefs mount that journals into");
            try (var left = Files.list(inside)) {
                assertThat(left.toList()).as("nothing replayed into the mount").isEmpty();
            }
            assertThat(lastIndex(p)).as("nothing journaled").isEqualTo(before);

            Path outside = Files.createDirectories(root.resolve("outside"));
            TeefsProcess.Result replayed = TeefsProcess.run(p.logs, "replay-outside", Duration.ofSeconds(60),
                    "replay", "--queue", p.journal.queue.toString(), "--target", outside.toString());
            assertThat(replayed.exitCode()).as(replayed.output()).isZero();
            assertThat(outside.resolve("f")).hasContent("landed");
        }
    }

    private static String mountSource(Path mount) {
        return teefs.posix.MountInfo.holding(mount, teefs.posix.MountInfo.mounts()).source();
    }

    private static java.util.UUID queueId(MirrorFixture p) throws Exception {
        return java.util.UUID.fromString(Files.readString(p.journal.queue.resolve(JournalQueue.ID_FILE)).trim());
    }

    private static long lastIndex(MirrorFixture p) {
        try (JournalQueue q = JournalQueue.openExisting(p.journal.queue)) {
            return q.lastIndex();
        }
    }
}
