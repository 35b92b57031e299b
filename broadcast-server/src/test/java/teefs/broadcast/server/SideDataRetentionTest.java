package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teefs.queue.JournalQueue;

/** Side data files count towards a cycle's size and go once no retained record can refer to them. */
class SideDataRetentionTest {
    @TempDir
    Path dir;

    @Test
    void deletingCycleCRemovesOnlySideDataOfEarlierCycles() throws Exception {
        for (int cycle = 490_000; cycle <= 490_003; cycle++) {
            Files.write(JournalQueue.sideDataFile(dir, cycle), new byte[10]);
        }
        Files.writeString(dir.resolve("teefs-queue.id"), "x");
        RetentionTask.deleteSideDataBefore(dir, 490_002);
        assertThat(JournalQueue.sideDataFile(dir, 490_000)).doesNotExist();
        assertThat(JournalQueue.sideDataFile(dir, 490_001)).doesNotExist();
        // a record of cycle 490_002 may keep its data in 490_001's file only until 490_002 itself goes
        assertThat(JournalQueue.sideDataFile(dir, 490_002)).exists();
        assertThat(JournalQueue.sideDataFile(dir, 490_003)).exists();
        assertThat(dir.resolve("teefs-queue.id")).exists();
    }

    @Test
    void aCyclesSizeIncludesItsSideData() throws Exception {
        Files.write(dir.resolve("20261123-07F.cq4"), new byte[100]);
        int cycle = RetentionTask.cycleFiles(dir).get(0).cycle();
        Files.write(JournalQueue.sideDataFile(dir, cycle), new byte[5000]);
        assertThat(RetentionTask.cycleFiles(dir).get(0).bytes()).isEqualTo(5100);
    }
}
