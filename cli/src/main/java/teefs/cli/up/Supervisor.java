package teefs.cli.up;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import teefs.broadcast.net.ListenAddress;
import teefs.cli.UserError;
import teefs.protocol.control.StatusReply;

/**
 * Runs the roles of one teefs installation as separate processes and keeps them running: journal first (waits for
 * the mount), then the broadcaster (waits for its socket), then the mirrors; stops them in reverse, the journal last
 * (it unmounts). A dead role is restarted after an exponential backoff with jitter; a role that keeps dying is left
 * stopped (storm limit) and reported. If the journal dies, its stale mount is detached ({@code fusermount -u -z})
 * before it is restarted (it recovers on start). A mirror that cannot apply a record (exit 3) is left stopped and
 * reported with the fix (restarting cannot help: it would stop at the same record); one that must bootstrap (exit 4)
 * is started again with {@code --bootstrap --source}.
 *
 * <p>Its roles run in their own sessions, so a supervisor killed with SIGKILL leaves them running. It names them in its
 * {@link RunFile}; the next supervisor of the same config stops them before it starts ({@link Leftovers}). A mount
 * point that is mounted by anything else is refused and left as it is.
 *
 * <p>Threading: one thread (the one calling {@link #run}) owns every {@link RoleProcess}; other threads talk to it
 * only through {@link #submit} (the control socket) and {@link #requestStop} (the shutdown hook), and read
 * {@link #snapshots()}.
 */
public final class Supervisor {
    /** Exit codes of {@code teefs mirror} (its contract). */
    static final int MIRROR_USER_ERROR = 2;
    static final int MIRROR_CANNOT_APPLY = 3;
    static final int MIRROR_MUST_BOOTSTRAP = 4;

    private final UpConfig config;
    private final EventLog events;
    private final RoleProcess journal;
    private final RoleProcess broadcast;
    private final List<RoleProcess> mirrors = new ArrayList<>();
    private final List<RoleProcess> all = new ArrayList<>();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final boolean[] bootstrapping;
    private final RunFile runFile;
    private final ProcessId self = ProcessId.current();
    /** True once the mount point passed the checks and was sealed: only then does stopping unmount and unseal it. */
    private boolean ownsMount;
    private volatile boolean stopRequested;
    private volatile boolean mountStale;
    private volatile boolean cleanStop;
    private volatile StatusReply status;
    private volatile String statusError = "";

    private record Request(String command, CompletableFuture<String> reply) {
    }

    Supervisor(UpConfig config, EventLog events) {
        this.config = config;
        this.events = events;
        SplittableRandom seed = new SplittableRandom();
        UpConfig.Journal j = config.journal();
        journal = new RoleProcess(RoleProcess.Kind.JOURNAL, "journal", config.logs().resolve("journal.log"),
                new RestartPolicy(config.supervise().restart(), seed.split()), b -> j.args());
        broadcast = new RoleProcess(RoleProcess.Kind.BROADCAST, "broadcast", config.logs().resolve("broadcast.log"),
                new RestartPolicy(config.supervise().restart(), seed.split()), b -> config.broadcast().args(j.queue()));
        all.add(journal);
        if (config.broadcast().enabled()) {
            all.add(broadcast);
        }
        for (UpConfig.Mirror m : config.mirrors()) {
            if (m.enabled()) {
                RoleProcess p = new RoleProcess(RoleProcess.Kind.MIRROR, "mirror " + m.name(),
                        config.logs().resolve("mirror-" + m.name() + ".log"),
                        new RestartPolicy(config.supervise().restart(), seed.split()), m::args);
                mirrors.add(p);
                all.add(p);
            }
        }
        bootstrapping = new boolean[mirrors.size()];
        runFile = RunFile.of(config);
    }

    /** Starts every role in order and waits for the journal's mount and the broadcaster's socket. */
    void startAll() throws IOException, InterruptedException {
        try {
            startInOrder();
        } catch (IOException | InterruptedException | RuntimeException e) {
            cleanStop = stopAll();
            stopped.countDown();
            throw e;
        }
    }

    private void startInOrder() throws IOException, InterruptedException {
        Path mount = config.journal().mount();
        String recovered = Leftovers.clear(runFile, mount, config.supervise().stopTimeout().toMillis());
        if (!recovered.isEmpty()) {
            events.add(recovered);
        }
        if (MountTable.isMounted(mount)) {
            throw new UserError(mount + " is already mounted, and not by a journal that a 'teefs up' of this config "
                    + "left running (another 'teefs up' or 'teefs journal'?). Stop it, or unmount it: fusermount -u "
                    + mount);
        }
        Optional<ProcessId> sealer = Files.isDirectory(mount) && MountTable.isSealed(mount)
                ? MountTable.sealOwner(mount) : Optional.empty();
        if (sealer.isPresent() && !sealer.get().equals(self) && sealer.get().isRunning()) {
            throw new UserError(mount + " is sealed (chattr +i) by pid " + sealer.get().pid() + ", a 'teefs up' that "
                    + "is running (with another config?): stop it first");
        }
        ownsMount = true;
        config.createDirectories();
        if (!MountTable.seal(mount, self)) {
            events.add("note: cannot seal " + config.journal().mount() + " (chattr +i needs root and ext4/xfs/btrfs): "
                    + "while the journal restarts, writers could create files in the bare directory");
        }
        long timeout = config.supervise().startTimeout().toNanos();
        startRole(journal);
        awaitReady(journal, timeout, "mounted " + config.journal().mount());
        if (config.broadcast().enabled()) {
            startRole(broadcast);
            awaitReady(broadcast, timeout, "listening on " + config.broadcast().listen());
        }
        for (RoleProcess m : mirrors) {
            startRole(m);
        }
    }

    private void awaitReady(RoleProcess role, long timeoutNanos, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!isReady(role)) {
            Integer code = role.exitCode();
            if (code != null) {
                throw new UserError(role.name + " exited with code " + code + " before it was ready; the end of "
                        + role.log + ":\n" + role.logTail(15), 1);
            }
            if (stopRequested) {
                throw new UserError("stopped before " + role.name + " was ready", 0);
            }
            if (System.nanoTime() > deadline) {
                throw new UserError(role.name + " was not " + what + " within "
                        + config.supervise().startTimeout().toSeconds() + " s (supervise.start_timeout); the end of "
                        + role.log + ":\n" + role.logTail(15), 1);
            }
            Thread.sleep(50);
        }
        role.markRunning();
        events.add(role.name + " running (pid " + role.snapshot().pid() + "), " + what);
    }

    private void startRole(RoleProcess role) throws IOException {
        if (role.kind == RoleProcess.Kind.JOURNAL) {
            detachStaleMount();
        }
        role.start(System.nanoTime());
        recordRoles();
        if (role.kind == RoleProcess.Kind.MIRROR) {
            bootstrapping[mirrors.indexOf(role)] = "bootstrapping".equals(role.snapshot().note());
        }
        events.add(role.name + " started (pid " + role.snapshot().pid() + ")" + (role.snapshot().note().isEmpty()
                ? "" : ", " + role.snapshot().note()) + "; log " + role.log);
    }

    /** Rewrites the run file: this supervisor and every role process running now. */
    private void recordRoles() {
        List<RunFile.Entry> roles = new ArrayList<>();
        for (RoleProcess r : all) {
            r.processId().ifPresent(p -> roles.add(new RunFile.Entry(r.name, p)));
        }
        try {
            runFile.write(self, roles);
        } catch (IOException e) {
            events.add("note: cannot write " + runFile.path() + " (" + e.getMessage() + "): if this teefs up is "
                    + "killed, the next one cannot stop the roles it leaves running");
        }
    }

    private void detachStaleMount() {
        if (MountTable.isStale(config.journal().mount())) {
            events.add("mount " + config.journal().mount() + " is stale: fusermount -u -z");
            MountTable.lazyUnmount(config.journal().mount());
        }
    }

    private boolean isReady(RoleProcess role) {
        return switch (role.kind) {
            case JOURNAL -> MountTable.isMounted(config.journal().mount())
                    && !MountTable.isStale(config.journal().mount());
            case BROADCAST -> canConnect(config.broadcast().statusAddress());
            case MIRROR -> true;
        };
    }

    private static boolean canConnect(ListenAddress a) {
        if (a.isUnix()) {
            if (!Files.exists(a.unixPath())) {
                return false;
            }
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(a.unixPath()));
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(a.host(), a.port()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Supervises until {@link #requestStop}, then stops every role in reverse order. */
    void run() throws InterruptedException {
        try {
            while (!stopRequested) {
                Request r = requests.poll(50, TimeUnit.MILLISECONDS);
                if (r != null) {
                    r.reply().complete(handle(r.command()));
                }
                tick(System.nanoTime());
            }
        } finally {
            cleanStop = stopAll();
            Request r;
            while ((r = requests.poll()) != null) {
                r.reply().complete("error: teefs up is stopping");
            }
            stopped.countDown();
        }
    }

    private void tick(long now) {
        for (RoleProcess role : all) {
            try {
                RoleState s = role.state();
                if (s == RoleState.STARTING || s == RoleState.RUNNING) {
                    Integer code = role.exitCode();
                    if (code != null) {
                        onExit(role, code, now);
                    } else if (s == RoleState.STARTING && isReady(role)) {
                        role.markRunning();
                        if (role.kind == RoleProcess.Kind.JOURNAL) {
                            mountStale = false;
                        }
                        events.add(role.name + " running (pid " + role.snapshot().pid() + ")");
                    }
                } else if (role.dueAt(now)) {
                    startRole(role);
                }
            } catch (IOException | RuntimeException e) {
                role.fail("cannot start: " + e.getMessage());
                events.add(role.name + " FAILED: cannot start: " + e.getMessage());
            }
        }
    }

    private void onExit(RoleProcess role, int code, long now) {
        String died = role.name + " exited with code " + code + describe(code)
                + (code == 137 || code == 143 ? "" : " (" + lastLine(role) + ")");
        if (role.kind == RoleProcess.Kind.JOURNAL) {
            mountStale = MountTable.isMounted(config.journal().mount());
            if (mountStale) {
                died += "; mount " + config.journal().mount() + " is stale: detaching it (fusermount -u -z)";
                MountTable.lazyUnmount(config.journal().mount());
            }
        }
        if (role.kind == RoleProcess.Kind.MIRROR) {
            int i = mirrors.indexOf(role);
            UpConfig.Mirror m = config.mirror(role.name.substring("mirror ".length()));
            boolean wasBootstrap = bootstrapping[i];
            if (code == MIRROR_CANNOT_APPLY) {
                role.onFinalExit(code);
                role.fail("cannot apply a record (exit 3); not restarted: read " + role.log + ", fix the target, then: "
                        + "teefs restart mirror " + m.name());
                events.add(died + ": it cannot apply a record, and a restart would stop at the same record, so it is "
                        + "left stopped. Read " + role.log + " (it names the record and the path), fix the cause "
                        + "(teefs verify " + config.journal().store() + " " + m.target() + " shows the differences), then: "
                        + "teefs restart mirror " + m.name());
                return;
            }
            if (code == MIRROR_USER_ERROR) {
                role.onFinalExit(code);
                role.fail("refused its arguments (exit 2): read " + role.log);
                events.add(died + ": a configuration error; left stopped. Last lines:\n" + role.logTail(3));
                return;
            }
            if (code == MIRROR_MUST_BOOTSTRAP && wasBootstrap) {
                role.onFinalExit(code);
                role.fail("asked to bootstrap again right after bootstrapping from " + m.bootstrapSource()
                        + ": is bootstrap_source the store of this queue? Read " + role.log);
                events.add(died + ": must bootstrap again right after a bootstrap; left stopped (see " + role.log + ")");
                return;
            }
            if (code == MIRROR_MUST_BOOTSTRAP) {
                if (role.onExit(code, now) < 0) {
                    role.fail("keeps asking to bootstrap; left stopped: read " + role.log);
                    events.add(died + ": keeps asking to bootstrap; left stopped (storm limit)");
                    return;
                }
                role.startAgainAt(now, true);
                role.setNote("must bootstrap: from " + m.bootstrapSource());
                events.add(died + ": it must bootstrap (or the queue id changed); starting it with --bootstrap --source "
                        + m.bootstrapSource());
                return;
            }
        }
        long delay = role.onExit(code, now);
        if (delay < 0) {
            role.fail("restarted " + config.supervise().restart().stormLimit() + " times within "
                    + config.supervise().restart().stormWindow().toSeconds() + " s; left stopped: read " + role.log
                    + ", then: teefs restart " + role.name);
            events.add(died + "; it keeps dying: left stopped (storm limit). See " + role.log);
        } else {
            events.add(died + "; restarting in " + delay / 1_000_000 + " ms");
        }
    }

    private static String lastLine(RoleProcess role) {
        String[] lines = role.logTail(5).split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank() && !lines[i].startsWith("===")) {
                return lines[i].strip();
            }
        }
        return "see " + role.log;
    }

    private static String describe(int code) {
        if (code > 128 && code < 160) {
            int signal = code - 128;
            return switch (signal) {
                case 9 -> " (SIGKILL)";
                case 15 -> " (SIGTERM)";
                case 6 -> " (SIGABRT)";
                case 11 -> " (SIGSEGV)";
                default -> " (signal " + signal + ")";
            };
        }
        return "";
    }

    /** A control command: "restart journal|broadcast|mirror NAME" or "status". Runs on the supervisor thread. */
    private String handle(String command) {
        String[] w = command.trim().split("\\s+");
        try {
            if (w.length >= 1 && w[0].equals("status")) {
                return StatusScreen.plain(this);
            }
            if (w.length >= 2 && w[0].equals("restart")) {
                RoleProcess role = find(w);
                if (role == null) {
                    return "error: no such role '" + String.join(" ", List.of(w).subList(1, w.length))
                            + "'; roles: journal, broadcast" + mirrors.stream().map(m -> ", " + m.name).reduce("", String::concat);
                }
                events.add("restart of " + role.name + " requested");
                if (role.kind == RoleProcess.Kind.JOURNAL) {
                    role.stop(config.supervise().stopTimeout().toMillis());
                    MountTable.lazyUnmount(config.journal().mount());
                } else {
                    role.stop(config.supervise().stopTimeout().toMillis());
                }
                role.policy.reset();
                startRole(role);
                if (role.kind != RoleProcess.Kind.MIRROR) {
                    long deadline = System.nanoTime() + config.supervise().startTimeout().toNanos();
                    while (!isReady(role) && role.isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    if (!isReady(role)) {
                        return "error: " + role.name + " restarted (pid " + role.snapshot().pid()
                                + ") but is not ready; see " + role.log;
                    }
                    role.markRunning();
                }
                events.add(role.name + " restarted (pid " + role.snapshot().pid() + ")");
                return "ok: " + role.name + " restarted (pid " + role.snapshot().pid() + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        } catch (IOException | RuntimeException e) {
            return "error: " + e.getMessage();
        }
        return "error: unknown command '" + command.trim() + "'; try: restart broadcast | restart mirror NAME | "
                + "restart journal | status";
    }

    private RoleProcess find(String[] w) {
        String who = w[1];
        if (who.equals("journal")) {
            return journal;
        }
        if (who.equals("broadcast") || who.equals("broadcaster")) {
            return config.broadcast().enabled() ? broadcast : null;
        }
        if (who.equals("mirror") && w.length >= 3) {
            for (RoleProcess m : mirrors) {
                if (m.name.equals("mirror " + w[2])) {
                    return m;
                }
            }
        }
        return null;
    }

    /** Stops mirrors, then the broadcaster, then the journal (which unmounts). Returns true if all went cleanly. */
    private boolean stopAll() throws InterruptedException {
        long timeout = config.supervise().stopTimeout().toMillis();
        boolean clean = true;
        List<RoleProcess> running = new ArrayList<>();
        for (RoleProcess m : mirrors) {
            if (m.isAlive()) {
                m.beginStop();
                running.add(m);
            } else {
                m.stop(0);
            }
        }
        for (RoleProcess m : running) {
            clean &= stopOne(m, timeout);
        }
        if (broadcast.isAlive()) {
            clean &= stopOne(broadcast, timeout);
        }
        if (journal.isAlive()) {
            clean &= stopOne(journal, timeout);
        }
        if (!ownsMount) {
            return clean; // refused before it took the mount point: whatever is mounted there is not ours to touch
        }
        if (MountTable.isMounted(config.journal().mount())) {
            events.add("mount " + config.journal().mount() + " still mounted after the journal stopped: "
                    + "fusermount -u -z");
            clean &= MountTable.lazyUnmount(config.journal().mount());
        }
        if (!MountTable.isMounted(config.journal().mount())) {
            MountTable.unseal(config.journal().mount());
        }
        runFile.delete();
        return clean;
    }

    private boolean stopOne(RoleProcess role, long timeout) throws InterruptedException {
        int code = role.stop(timeout);
        boolean clean = code == 0 || code == 143;
        events.add(role.name + " stopped" + (clean ? "" : " (exit " + code + describe(code) + ")"));
        return clean;
    }

    /** From any thread: queue a control command for the supervisor thread. */
    CompletableFuture<String> submit(String command) {
        CompletableFuture<String> reply = new CompletableFuture<>();
        if (stopRequested) {
            reply.complete("error: teefs up is stopping");
        } else {
            requests.add(new Request(command, reply));
        }
        return reply;
    }

    /** From any thread (the shutdown hook): stop everything; returns once all roles are down, or the timeout ends. */
    boolean requestStop(long waitMillis) throws InterruptedException {
        stopRequested = true;
        return stopped.await(waitMillis, TimeUnit.MILLISECONDS) && cleanStop;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    List<RoleProcess.Snapshot> snapshots() {
        List<RoleProcess.Snapshot> s = new ArrayList<>();
        for (RoleProcess r : all) {
            s.add(r.snapshot());
        }
        return s;
    }

    /** The broadcaster's last status reply (null if it could not be fetched, and why). Set by the screen thread. */
    void status(StatusReply reply, String error) {
        status = reply;
        statusError = error;
    }

    StatusReply status() {
        return status;
    }

    String statusError() {
        return statusError;
    }

    boolean mountStale() {
        return mountStale;
    }

    UpConfig config() {
        return config;
    }

    EventLog events() {
        return events;
    }
}
