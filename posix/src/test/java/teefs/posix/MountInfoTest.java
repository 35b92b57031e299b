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
            "42 40 0:50 / /mnt/disk1/snap rw,relatime shared:22 - btrfs /dev/sdd rw");

    @Test
    void mountPointsAreUnescaped() {
        assertThat(MountInfo.mountPoints(LINES)).containsExactly("/", "/mnt/disk1", "/mnt/my drive",
                "/mnt/disk1/snap");
    }

    @Test
    void theFilesystemOfAPathIsTheLongestMountPointAboveIt() {
        List<String> points = MountInfo.mountPoints(LINES);
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1/teefs"), points)).isEqualTo(Path.of("/mnt/disk1"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1"), points)).isEqualTo(Path.of("/mnt/disk1"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk1/snap/x"), points)).isEqualTo(Path.of("/mnt/disk1/snap"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/my drive/t"), points)).isEqualTo(Path.of("/mnt/my drive"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk10/teefs"), points)).as("a name that only starts alike")
                .isEqualTo(Path.of("/"));
        assertThat(MountInfo.mountOf(Path.of("/mnt/disk2/teefs"), points)).as("a drive not mounted")
                .isEqualTo(Path.of("/"));
        assertThat(MountInfo.mountPoints()).as("this machine's own table").contains("/");
    }
}
