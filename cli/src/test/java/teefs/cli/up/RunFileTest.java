package teefs.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run file and the process identities in it: a pid alone is not enough, its start time must match too. */
class RunFileTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsTheSupervisorAndItsRolesAndSitsNextToTheControlSocket() throws Exception {
        RunFile file = RunFile.of(UpConfig.defaults(dir));
        assertThat(file.path()).isEqualTo(dir.resolve("teefs-data/teefs-up.pids"));
        assertThat(file.read()).isEmpty();
        ProcessId self = ProcessId.current();
        file.write(self, List.of(new RunFile.Entry("journal", new ProcessId(11, 22)),
                new RunFile.Entry("mirror disk1", new ProcessId(33, 44))));
        assertThat(file.read()).contains(List.of(new RunFile.Entry("supervisor", self),
                new RunFile.Entry("journal", new ProcessId(11, 22)), new RunFile.Entry("mirror disk1",
                        new ProcessId(33, 44))));
        file.delete();
        assertThat(file.path()).doesNotExist();
    }

    @Test
    void aProcessIsRunningOnlyWithItsOwnPidAndStartTime() throws Exception {
        ProcessId self = ProcessId.current();
        assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(self.isRunning()).isTrue();
        assertThat(new ProcessId(self.pid(), self.startTicks() + 1).isRunning()).as("a reused pid").isFalse();
        assertThat(ProcessId.parse(self.toString())).contains(self);
        assertThat(ProcessId.parse("12 x")).isEmpty();

        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessId.of(pid)).as("a process that exited").isEmpty();
    }

    @Test
    void aLeftoverFileOfProcessesThatAreGoneIsClearedQuietly() throws Exception {
        RunFile file = new RunFile(dir.resolve("teefs-up.pids"));
        file.write(new ProcessId(ProcessHandle.current().pid(), 1), List.of(new RunFile.Entry("journal",
                new ProcessId(ProcessHandle.current().pid(), 2))));
        Path mount = Files.createDirectories(dir.resolve("mount"));
        assertThat(Leftovers.clear(file, mount, 1000)).isEmpty();
        assertThat(file.path()).doesNotExist();
    }
}
