package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One supervised child: its command line, its log file (appended, one banner per start), its restart policy and
 * its state. Only the supervisor thread calls the mutating methods; {@link #snapshot()} may be called from any
 * thread (the fields it reads are volatile).
 */
final class RoleProcess {
    enum Kind { JOURNAL, BROADCAST, MIRROR }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    final Kind kind;
    final String name;
    final Path log;
    final RestartPolicy policy;
    private final Function<Boolean, List<String>> args;

    private Process process;
    private volatile RoleState state = RoleState.STOPPED;
    private volatile long pid = -1;
    private volatile long startedNanos;
    private volatile int restarts;
    private volatile int lastExit = Integer.MIN_VALUE;
    private volatile String note = "";
    private long nextStartNanos;
    private boolean bootstrapNext;

    /** {@code args} gives the teefs arguments, for a normal start (false) or a bootstrap (true). */
    RoleProcess(Kind kind, String name, Path log, RestartPolicy policy, Function<Boolean, List<String>> args) {
        this.kind = kind;
        this.name = name;
        this.log = log;
        this.policy = policy;
        this.args = args;
    }

    void start(long nowNanos) throws IOException {
        boolean bootstrap = bootstrapNext;
        bootstrapNext = false;
        List<String> teefsArgs = args.apply(bootstrap);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "\n=== teefs up: starting " + name + " at " + LocalDateTime.now().format(STAMP) + ": teefs "
                + String.join(" ", teefsArgs) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder b = new ProcessBuilder(ChildCommand.of(teefsArgs)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // under a systemd Type=notify unit, readiness is the supervisor's to report, not a role's
        b.environment().remove("NOTIFY_SOCKET");
        process = b.start();
        pid = process.pid();
        startedNanos = nowNanos;
        state = RoleState.STARTING;
        note = bootstrap ? "bootstrapping" : "";
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The exit code if the process has exited since it was started, else null. */
    Integer exitCode() {
        if (process == null || process.isAlive()) {
            return null;
        }
        return process.exitValue();
    }

    void markRunning() {
        state = RoleState.RUNNING;
        if ("bootstrapping".equals(note)) {
            note = "bootstrapped";
        }
    }

    /** Records an exit and returns the delay (ns) before the next start, or -1 if the role must stay down. */
    long onExit(int code, long nowNanos) {
        lastExit = code;
        process = null;
        pid = -1;
        long delay = policy.onExit(startedNanos, nowNanos);
        if (delay < 0) {
            return -1;
        }
        state = RoleState.BACKOFF;
        nextStartNanos = nowNanos + delay;
        restarts++;
        return delay;
    }

    /** Records an exit after which the role stays down whatever the restart policy says (no restart is counted). */
    void onFinalExit(int code) {
        lastExit = code;
        process = null;
        pid = -1;
    }

    /** The running process, pid and start time (what the run file records); empty when none runs. */
    Optional<ProcessId> processId() {
        Process p = process;
        return p == null ? Optional.empty() : ProcessId.of(p.pid());
    }

    void startAgainAt(long nanos, boolean bootstrap) {
        state = RoleState.BACKOFF;
        nextStartNanos = nanos;
        bootstrapNext = bootstrap;
    }

    boolean dueAt(long nowNanos) {
        return state == RoleState.BACKOFF && nowNanos - nextStartNanos >= 0;
    }

    void fail(String why) {
        state = RoleState.FAILED;
        note = why;
    }

    void setNote(String n) {
        note = n;
    }

    RoleState state() {
        return state;
    }

    /** Sends SIGTERM without waiting (to stop several roles at once). */
    void beginStop() {
        if (process != null) {
            state = RoleState.STOPPING;
            process.destroy();
        }
    }

    /** SIGTERM, wait up to {@code timeoutMillis}, then SIGKILL. Returns the exit code (or -1 if none ran). */
    int stop(long timeoutMillis) throws InterruptedException {
        Process p = process;
        if (p == null) {
            state = RoleState.STOPPED;
            return -1;
        }
        state = RoleState.STOPPING;
        p.destroy();
        if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            appendToLog("teefs up: " + name + " did not stop within " + timeoutMillis + " ms of SIGTERM: SIGKILL");
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        int code = p.isAlive() ? -1 : p.exitValue();
        process = null;
        pid = -1;
        lastExit = code;
        state = RoleState.STOPPED;
        return code;
    }

    void appendToLog(String line) {
        try {
            Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is best effort; the supervisor's own output says the same
        }
    }

    /** The last lines of the log, for error messages. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    Snapshot snapshot() {
        return new Snapshot(kind, name, state, pid, state == RoleState.RUNNING || state == RoleState.STARTING
                ? System.nanoTime() - startedNanos : 0, restarts, lastExit, note, log);
    }

    /** An immutable view for the screen and the control socket. */
    record Snapshot(Kind kind, String name, RoleState state, long pid, long upNanos, int restarts, int lastExit,
            String note, Path log) {
        /** A mirror's own name, as its config and the broadcaster know it: "disk1" of role "mirror disk1". */
        String mirrorName() {
            return name.substring("mirror ".length());
        }
    }
}
