package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process, named so that a reused pid is not mistaken for it: its pid and its start time in clock ticks after
 * boot (field 22 of /proc/PID/stat), which no other process with that pid can share. Written as "PID TICKS" in the
 * run file and in the seal's owner attribute.
 */
public record ProcessId(long pid, long startTicks) {

    /** This process. */
    public static ProcessId current() {
        return of(ProcessHandle.current().pid())
                .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/stat"));
    }

    /** The process now running with {@code pid}, if there is one (a zombie is not running). */
    public static Optional<ProcessId> of(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        if (f.length < 20 || f[0].equals("Z") || f[0].equals("X")) {
            return Optional.empty();
        }
        return Optional.of(new ProcessId(pid, Long.parseLong(f[19])));
    }

    /** "PID TICKS" back into a ProcessId; empty when the text is not two numbers. */
    public static Optional<ProcessId> parse(String text) {
        String[] w = text.trim().split("\\s+");
        if (w.length != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcessId(Long.parseLong(w[0]), Long.parseLong(w[1])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True while this very process (not another one given the same pid later) runs. */
    public boolean isRunning() {
        return of(pid).map(this::equals).orElse(false);
    }

    @Override
    public String toString() {
        return pid + " " + startTicks;
    }
}
