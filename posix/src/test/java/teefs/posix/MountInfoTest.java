package teefs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountInfoTest {
    private static final List<String> LINES = List.of(
            "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
            "40 22 8:17 / /mnt/disk1 rw,relatime shared:20 - ext4 /dev/sdb1 rw",
            "41 22 8:33 / /mnt/my\\040drive rw,relatime shared:21 - ext4 /dev/sdc1 rw",
            "42 40 0:50 / /mnt/disk1/snap rw,relatime shared:22 - btrfs /dev/sdd rw",
            "43 22 0:51 / /srv/landing rw,nosuid,nodev,relatime shared:23 master:4 - fuse.teefs teefs:1234 rw,user_id=0",
            "44 43 0:52 / /srv/landing rw,relatime - tmpfs my\\040tmp rw");

    @Test
    void mountPointsAreUnescaped() {
        assertThat(MountInfo.mountPoints(MountInfo.mounts(LINES))).containsExactly("/", "/mnt/disk1",
                "/mnt/my drive", "/mnt/disk1/snap", "/srv/landing", "/srv/landing");
    }

    @Test
    void theFilesystemOfAPathIsTheLongestMountPointAboveIt() {
        List<MountInfo.Mount> mounts = MountInfo.mounts(LINES);
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1/teefs"), mounts)).isEqualTo(Path.of("/mnt/disk1"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1"), mounts)).isEqualTo(Path.of("/mnt/disk1"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1/snap/x"), mounts)).isEqualTo(Path.of("/mnt/disk1/snap"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/my drive/t"), mounts)).isEqualTo(Path.of("/mnt/my drive"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk10/teefs"), mounts)).as("a name that only starts alike")
                .isEqualTo(Path.of("/"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk2/teefs"), mounts)).as("a drive not mounted")
                .isEqualTo(Path.of("/"));
        assertThat(MountInfo.mountPoints()).as("this machine's own table").contains("/");
    }

    @Test
    void eachMountHasItsTypeAndSourceFromAfterTheSeparator() {
        List<MountInfo.Mount> mounts = MountInfo.mounts(LINES);
        assertThat(mounts.get(1)).isEqualTo(new MountInfo.Mount("/mnt/disk1", "ext4", "/dev/sdb1"));
        assertThat(mounts.get(4)).as("two optional fields before the separator")
                .isEqualTo(new MountInfo.Mount("/srv/landing", "fuse.teefs", "teefs:1234"));
        assertThat(mounts.get(5).source()).isEqualTo("my tmp");
    }

    @Test
    void theMountHoldingAPathIsTheDeepestAndOfTwoOnOnePointTheLater() {
        List<MountInfo.Mount> mounts = MountInfo.mounts(LINES.subList(0, 5));
        assertThat(MountInfo.holding(Path.of("/srv/landing/a/b"), mounts).type()).isEqualTo("fuse.teefs");
        assertThat(MountInfo.holding(Path.of("/mnt/disk1/snap/x"), mounts).type()).isEqualTo("btrfs");
        assertThat(MountInfo.holding(Path.of("/srvx"), mounts).point()).isEqualTo("/");
        assertThat(MountInfo.holding(Path.of("/srv/landing/a"), MountInfo.mounts(LINES)).type())
                .as("a tmpfs mounted over the teefs mount hides it").isEqualTo("tmpfs");
        assertThat(MountInfo.holding(Path.of("/x"), List.of())).isNull();
    }
}
