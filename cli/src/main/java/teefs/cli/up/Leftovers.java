package teefs.cli.up;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import teefs.cli.UserError;

/**
 * What a {@code teefs up} killed with SIGKILL leaves behind, cleared by the next {@code teefs up} of the same config:
 * its roles still running (they live in their own sessions), the mount its journal serves, and the sealed mount
 * point. The roles are found through the {@link RunFile}; a role counts as left over only while the very process
 * recorded there runs (same pid, same start time). They are stopped in the supervisor's own order (mirrors, then the
 * broadcaster, then the journal, which unmounts), then a stale mount is detached and an abandoned seal removed. A
 * live mount that no recorded journal served is someone else's: it is left alone, for the caller to refuse.
 */
final class Leftovers {
    private Leftovers() {
    }

    /**
     * Clears what the previous run recorded in {@code file} left at {@code mount}; returns one line saying what was
     * done, or "" when there was nothing to do.
     *
     * @throws UserError when the recorded {@code teefs up} is itself still running
     */
    static String clear(RunFile file, Path mount, long stopTimeoutMillis) throws InterruptedException {
        List<RunFile.Entry> entries = file.read().orElse(List.of());
        ProcessId previous = null;
        List<RunFile.Entry> running = new ArrayList<>();
        for (RunFile.Entry e : entries) {
            if (e.role().equals("supervisor")) {
                previous = e.process();
            } else if (e.process().isRunning()) {
                running.add(e);
            }
        }
        ProcessId self = ProcessId.current();
        if (previous != null && !previous.equals(self) && previous.isRunning()) {
            throw new UserError("a 'teefs up' of this config is still running (pid " + previous.pid() + ", recorded in "
                    + file.path() + ") but does not answer on its control socket; stop it (kill " + previous.pid()
                    + "), then start again");
        }
        List<String> stopped = new ArrayList<>();
        stop(running, r -> r.startsWith("mirror "), stopTimeoutMillis, stopped);
        stop(running, r -> r.equals("broadcast"), stopTimeoutMillis, stopped);
        stop(running, r -> r.equals("journal"), stopTimeoutMillis, stopped);
        String mountDone = MountTable.recoverAbandoned(mount);
        file.delete();
        if (stopped.isEmpty() && mountDone.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("recovering from ")
                .append(previous == null ? "a previous teefs up" : "teefs up pid " + previous.pid())
                .append(", which was killed: ");
        if (!stopped.isEmpty()) {
            b.append("stopped the roles it left running: ").append(String.join(", ", stopped));
            if (!mountDone.isEmpty()) {
                b.append("; ");
            }
        }
        return b.append(mountDone).toString();
    }

    /** SIGTERM to every matching role at once, then waits for each; SIGKILL for one that outlives the timeout. */
    private static void stop(List<RunFile.Entry> running, Predicate<String> which, long timeoutMillis,
            List<String> stopped) throws InterruptedException {
        List<RunFile.Entry> these = running.stream().filter(e -> which.test(e.role())).toList();
        for (RunFile.Entry e : these) {
            if (e.process().isRunning()) { // checked again right before the signal: the pid is not someone else's
                ProcessHandle.of(e.process().pid()).ifPresent(ProcessHandle::destroy);
            }
        }
        for (RunFile.Entry e : these) {
            String how = awaitGone(e.process(), timeoutMillis) ? "" : " (SIGKILL: it ignored SIGTERM for "
                    + timeoutMillis + " ms)";
            if (!how.isEmpty() && e.process().isRunning()) {
                ProcessHandle.of(e.process().pid()).ifPresent(ProcessHandle::destroyForcibly);
                awaitGone(e.process(), 10_000);
            }
            stopped.add(e.role() + " (pid " + e.process().pid() + ")" + how);
        }
    }

    private static boolean awaitGone(ProcessId p, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (p.isRunning()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
