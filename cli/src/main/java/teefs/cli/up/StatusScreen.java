package teefs.cli.up;

import teefs.cli.Sizes;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import teefs.broadcast.client.StatusClient;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

/**
 * The live view of {@code teefs up}: mount, queue head, and each role's state, pid, uptime, restarts and (mirrors)
 * lag. On a terminal it redraws one ANSI screen every status_interval; otherwise (CI, systemd) the supervisor's
 * events are printed as lines and this thread only adds a line when a mirror connects or disconnects, and asks less
 * often once all is quiet ({@link PollPace}). Head and lag
 * come from the broadcaster's status reply (what {@code teefs status} prints). Runs on its own daemon thread; it only
 * reads the supervisor's snapshots.
 */
final class StatusScreen implements Runnable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final Supervisor supervisor;
    private final PrintStream out;
    private final boolean ansi;
    private final Map<String, Boolean> connected = new HashMap<>();
    /** The pause reason last told per mirror (plain mode): a pause is told once per reason. */
    private final Map<String, String> told = new HashMap<>();

    StatusScreen(Supervisor supervisor, PrintStream out, boolean ansi) {
        this.supervisor = supervisor;
        this.out = out;
        this.ansi = ansi;
    }

    @Override
    public void run() {
        PollPace pace = new PollPace(supervisor.config().supervise().statusInterval().toMillis(), ansi);
        while (!supervisor.stopRequested()) {
            poll();
            if (ansi) {
                out.print("\033[H\033[2J" + plain(supervisor));
                out.flush();
            } else {
                logConnections();
            }
            List<RoleProcess.Snapshot> roles = supervisor.snapshots();
            List<String> mirrors = roles.stream().filter(r -> r.kind() == RoleProcess.Kind.MIRROR)
                    .map(RoleProcess.Snapshot::mirrorName).toList();
            boolean allRunning = roles.stream().allMatch(r -> r.state() == RoleState.RUNNING);
            try {
                Thread.sleep(pace.next(supervisor.status(), mirrors, allRunning));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void poll() {
        UpConfig c = supervisor.config();
        boolean up = supervisor.snapshots().stream()
                .anyMatch(s -> s.kind() == RoleProcess.Kind.BROADCAST && s.state() == RoleState.RUNNING);
        if (!c.broadcast().enabled() || !up) {
            supervisor.status(null, c.broadcast().enabled() ? "broadcast not running" : "broadcast disabled");
            return;
        }
        try {
            // the token, when the broadcaster has one, is required on its Unix socket too
            supervisor.status(StatusClient.fetch(c.broadcast().statusAddress(), c.broadcast().token(), null, 2_000), "");
        } catch (RuntimeException e) {
            supervisor.status(null, e.getMessage());
        }
    }

    private void logConnections() {
        StatusReply s = supervisor.status();
        if (s == null) {
            return;
        }
        for (ClientStatus cs : s.getClientsList()) {
            Boolean before = connected.put(cs.getName(), cs.getConnected());
            if (before == null || before != cs.getConnected()) {
                supervisor.events().add("mirror " + cs.getName() + (cs.getConnected() ? " connected" : " disconnected")
                        + ", acked " + cs.getAckedIndex() + ", head " + s.getHeadIndex() + ", lag " + cs.getLagRecords()
                        + " records");
            }
        }
        for (RoleProcess.Snapshot r : supervisor.snapshots()) {
            if (r.kind() == RoleProcess.Kind.MIRROR) {
                String name = r.mirrorName();
                boolean up = s.getClientsList().stream().anyMatch(cs -> cs.getName().equals(name) && cs.getConnected());
                String paused = up ? null : PauseReason.of(r.log());
                if (paused == null) {
                    told.remove(name);
                } else if (!paused.equals(told.put(name, paused))) {
                    supervisor.events().add("mirror " + name + " paused: " + paused);
                }
            }
        }
    }

    /** One screen of plain text (also the reply to the control socket's "status"). */
    static String plain(Supervisor supervisor) {
        UpConfig c = supervisor.config();
        StatusReply s = supervisor.status();
        StringBuilder b = new StringBuilder();
        b.append("teefs up  ").append(c.source() == null ? "(default layout)" : c.source().toString()).append("  ")
                .append(LocalTime.now().format(TIME)).append('\n');
        String mount = MountTable.isMounted(c.journal().mount())
                ? (supervisor.mountStale() || MountTable.isStale(c.journal().mount()) ? "STALE" : "mounted")
                : "not mounted";
        b.append(String.format("mount   %s  %s   (store %s)%n", c.journal().mount(), mount, c.journal().store()));
        if (s != null) {
            b.append(String.format("queue   %s  id %s  head %d  retained %s%n", c.journal().queue(), s.getQueueId(),
                    s.getHeadIndex(), Sizes.format(s.getRetainedBytes())));
        } else {
            b.append(String.format("queue   %s  (head unknown: %s)%n", c.journal().queue(), supervisor.statusError()));
        }
        b.append(String.format("%n%-16s %-9s %8s %9s %4s %10s %10s %8s  %s%n", "ROLE", "STATE", "PID", "UP",
                "RST", "LAG-REC", "LAG-BYTES", "LAG-SEC", "NOTE"));
        Map<String, ClientStatus> clients = new HashMap<>();
        if (s != null) {
            for (ClientStatus cs : s.getClientsList()) {
                clients.put(cs.getName(), cs);
            }
        }
        for (RoleProcess.Snapshot r : supervisor.snapshots()) {
            String lagRec = "";
            String lagBytes = "";
            String lagSec = "";
            String note = r.note();
            if (r.kind() == RoleProcess.Kind.MIRROR) {
                ClientStatus cs = clients.get(r.mirrorName());
                if (cs != null) {
                    lagRec = Long.toString(cs.getLagRecords());
                    lagBytes = Sizes.format(cs.getLagBytes());
                    lagSec = String.format("%.1f", cs.getLagSeconds());
                    String conn = cs.getConnected() ? "connected" : "disconnected";
                    note = note.isEmpty() ? conn : conn + "; " + note;
                    if (!cs.getWarning().isEmpty()) {
                        note += "; WARN " + cs.getWarning();
                    }
                } else if (s != null && note.isEmpty()) {
                    note = "not connected yet";
                }
                if (cs == null || !cs.getConnected()) {
                    String paused = PauseReason.of(r.log());
                    if (paused != null) {
                        note = (note.isEmpty() ? "" : note + "; ") + "PAUSED: " + PauseReason.shortened(paused, 160);
                    }
                }
            }
            if (note.isEmpty() && r.lastExit() != Integer.MIN_VALUE && r.restarts() > 0) {
                note = "last exit " + r.lastExit();
            }
            b.append(String.format("%-16s %-9s %8s %9s %4d %10s %10s %8s  %s%n", r.name(), r.state().label(),
                    r.pid() < 0 ? "-" : Long.toString(r.pid()), r.upNanos() == 0 ? "-" : uptime(r.upNanos()),
                    r.restarts(), lagRec, lagBytes, lagSec, note));
        }
        List<String> recent = supervisor.events().recent();
        if (!recent.isEmpty()) {
            b.append("\nrecent events:\n");
            for (String e : recent) {
                b.append("  ").append(e).append('\n');
            }
        }
        b.append("\nCtrl-C stops everything and unmounts.  logs: ").append(c.logs())
                .append("  restart one role: teefs restart broadcast | teefs restart mirror NAME\n");
        return b.toString();
    }

    private static String uptime(long nanos) {
        long s = nanos / 1_000_000_000L;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }

}
