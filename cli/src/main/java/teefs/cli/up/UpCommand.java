package teefs.cli.up;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import teefs.cli.UserError;

@Command(name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Run a whole teefs installation: the journal (the FUSE mount), the broadcaster and every mirror, each as "
                + "its own process, supervised.",
            "",
            "Starts the journal and waits for the mount, then the broadcaster and waits for its socket, then the "
                + "mirrors. A role that dies is restarted after a backoff (doubling, with jitter); one that keeps dying "
                + "is left stopped and shown as failed (storm limit). If the journal dies its stale mount is detached "
                + "and the journal restarted (it recovers on start). A mirror that cannot apply a record is left "
                + "stopped and reported; one that must bootstrap is started again with --bootstrap.",
            "",
            "On a terminal it shows one live screen (mount, head index, each mirror's lag and state); otherwise it "
                + "prints a line per event. Ctrl-C or SIGTERM stops the mirrors, the broadcaster, then the journal, "
                + "which unmounts. Each role's output is in LOGS/<role>.log; the supervisor's in LOGS/up.log.",
            "",
            "If a previous 'teefs up' of this config was killed (SIGKILL), the roles it left running are stopped first "
                + "(they are named in teefs-up.pids next to the control socket), its stale mount detached and its seal "
                + "taken over. A mount point that anything else has mounted is refused and left as it is.",
            "",
            "Without --config: ./teefs-data/{store,mount,queue}, the broadcaster on unix:./teefs-data/teefs.sock, "
                + "and two mirrors, ./teefs-data/mirrors/disk1 and disk2. Every key: docs/teefs.example.toml.",
            "",
            "Examples:",
            "  teefs up",
            "  teefs up --config /etc/teefs/teefs.toml",
            "  teefs up --config teefs.toml --check   # check it, print each role's command",
        })
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "TOML config (see docs/teefs.example.toml). "
            + "Default: the ./teefs-data layout")
    Path config;

    @Option(names = "--plain", description = "Print a line per event instead of the live screen (automatic when "
            + "stdout is not a terminal).")
    boolean plain;

    @Option(names = "--check", description = "Validate the config, print each role's command line, and exit.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        UpConfig c = config == null ? UpConfig.defaults(Path.of("").toAbsolutePath()) : UpConfig.load(config);
        if (check) {
            System.out.println("config OK" + (c.source() == null ? " (default layout)" : ": " + c.source()));
            System.out.println("teefs " + String.join(" ", c.journal().args()));
            if (c.broadcast().enabled()) {
                System.out.println("teefs " + String.join(" ", c.broadcast().args(c.journal().queue())));
            }
            for (UpConfig.Mirror m : c.mirrors()) {
                System.out.println((m.enabled() ? "" : "# disabled: ") + "teefs " + String.join(" ", m.args(false)));
            }
            return 0;
        }
        boolean ansi = !plain && System.console() != null;
        EventLog events = new EventLog(c.logs().resolve("up.log"), System.out, !ansi);
        Supervisor supervisor = new Supervisor(c, events);
        ControlSocket control = ControlSocket.open(c.control(), supervisor);
        long stopWait = c.supervise().stopTimeout().toMillis() * (2L + c.mirrors().size()) + 30_000;
        Thread hook = new Thread(() -> {
            boolean clean = false;
            try {
                clean = supervisor.requestStop(stopWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            control.close();
            System.out.println("teefs up: stopped" + (clean ? " cleanly; " + c.journal().mount() + " is unmounted"
                    : " with errors; see " + c.logs()));
            System.out.flush();
            Runtime.getRuntime().halt(clean ? 0 : 1);
        }, "teefs-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        events.add("starting: journal " + c.journal().store() + " -> mount " + c.journal().mount() + ", queue "
                + c.journal().queue() + (c.broadcast().enabled() ? ", broadcast " + c.broadcast().listen() : "")
                + ", " + c.mirrors().size() + " mirror(s)");
        try {
            supervisor.startAll();
        } catch (RuntimeException e) {
            control.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running and will exit for us
            }
            throw e;
        }
        StringBuilder ready = new StringBuilder("ready: write into " + c.journal().mount());
        if (!c.mirrors().isEmpty()) {
            ready.append("; it appears on");
            for (UpConfig.Mirror m : c.mirrors()) {
                ready.append(' ').append(m.target());
            }
        }
        events.add(ready + ". Ctrl-C stops everything.");
        Thread screen = new Thread(new StatusScreen(supervisor, System.out, ansi), "teefs-up-screen");
        screen.setDaemon(true);
        screen.start();
        supervisor.run();
        return 0;
    }

    /** Where {@code teefs restart} finds the control socket: --control, or the config's (default layout's) one. */
    static Path controlPath(Path config, Path control) {
        if (control != null) {
            return control;
        }
        UpConfig c = config == null ? UpConfig.defaults(Path.of("").toAbsolutePath()) : UpConfig.load(config);
        if (!java.nio.file.Files.exists(c.control())) {
            throw new UserError("no 'teefs up' is running here: " + c.control() + " does not exist"
                    + (config == null ? " (give --config FILE if it was started with one)" : ""));
        }
        return c.control();
    }
}
