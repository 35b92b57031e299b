package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import teefs.posix.MountInfo;

class JournalMountsTest {
    private static final UUID ID = UUID.fromString("0b5c7a52-3c2e-4a47-9a0e-5f1b3f4c9d10");
    private static final List<MountInfo.Mount> MOUNTS = List.of(
            new MountInfo.Mount("/", "ext4", "/dev/vda"),
            new MountInfo.Mount("/srv/landing", JournalMounts.TYPE, JournalMounts.fsName(ID)),
            new MountInfo.Mount("/srv/relay", JournalMounts.TYPE, JournalMounts.fsName(UUID.randomUUID())),
            new MountInfo.Mount("/srv/landing/usb", "vfat", "/dev/sdc1"));

    @Test
    void aPathInsideTheMountOfItsOwnQueueIsFound() {
        assertThat(JournalMounts.ownMountHolding(Path.of("/srv/landing/backup"), ID.toString(), MOUNTS))
                .isEqualTo(Path.of("/srv/landing"));
        assertThat(JournalMounts.ownMountHolding(Path.of("/srv/landing"), ID.toString(), MOUNTS))
                .isEqualTo(Path.of("/srv/landing"));
    }

    @Test
    void elsewhereIsNot() {
        assertThat(JournalMounts.ownMountHolding(Path.of("/pool/disk1"), ID.toString(), MOUNTS)).isNull();
        assertThat(JournalMounts.ownMountHolding(Path.of("/srv/relay/x"), ID.toString(), MOUNTS))
                .as("the mount of another queue: a relay").isNull();
        assertThat(JournalMounts.ownMountHolding(Path.of("/srv/landing/usb/x"), ID.toString(), MOUNTS))
                .as("a drive mounted inside the landing zone is not journaled").isNull();
        assertThat(JournalMounts.ownMountHolding(Path.of("/srv/landingx"), ID.toString(), MOUNTS)).isNull();
    }
}
