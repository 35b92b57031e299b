package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.cli.up.UpConfig;
import teefs.mirror.session.MirrorException;

/**
 * The systemd units of packaging/systemd/, proven without systemd as PID 1: {@code systemd-analyze verify} where it
 * is installed; what they must agree on (ordering, the exit codes not worth a restart, the drives of the example
 * config); and their command lines run for real, as systemd would run them, through the distribution's own launcher
 * installed under a temporary /opt/teefs: ExecStart in order with a $NOTIFY_SOCKET (READY=1 must come from the main
 * process once the mount is up, once the socket listens), ExecReload with $MAINPID, then KillSignal, KillMode and
 * TimeoutStopSec for the stop, whose exit code must count as a success. A renamed flag or subcommand fails here.
 */
@Timeout(600)
class SystemdUnitsTest {
    private static final Path REPO = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    private static final Path UNITS = REPO.resolve("packaging/systemd");

    @TempDir
    Path root;

    private static Map<String, SystemdUnit> units() throws IOException {
        Map<String, SystemdUnit> units = new TreeMap<>();
        try (Stream<Path> files = Files.list(UNITS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".service")).toList()) {
                units.put(f.getFileName().toString(), SystemdUnit.read(f));
            }
        }
        assertThat(units.keySet()).containsExactly("teefs-broadcast.service", "teefs-journal.service",
                "teefs-mirror@.service");
        return units;
    }

    @Test
    void everyUnitPassesSystemdAnalyzeVerify() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            String message = "SKIPPING systemd-analyze verify: systemd-analyze is not installed here (Debian package "
                    + "systemd). The other tests of this class still run every unit's commands for real.";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
        // a root holding the system's own units, the programs the units name, and the units: verify checks that
        // every executable exists and every dependency resolves, so nothing may be missing from it
        Path sysroot = root.resolve("sysroot");
        Files.createDirectories(sysroot.resolve("usr/bin"));
        Files.createDirectories(sysroot.resolve("usr/lib/systemd/system"));
        Files.createDirectories(sysroot.resolve("etc/systemd/system"));
        Files.createSymbolicLink(sysroot.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(sysroot.resolve("lib"), Path.of("usr/lib"));
        Shell.sh(root, "cp -a /usr/lib/systemd/system/. '" + sysroot.resolve("usr/lib/systemd/system") + "/'");
        Files.copy(Path.of("/usr/bin/kill"), sysroot.resolve("usr/bin/kill"));
        installLauncher(sysroot.resolve("opt/teefs"), false);
        List<String> names = new ArrayList<>();
        for (SystemdUnit u : units().values()) {
            Files.copy(u.file, sysroot.resolve("etc/systemd/system").resolve(u.name));
            names.add(u.name.endsWith("@.service") ? u.name.replace("@.", "@disk1.") : u.name);
        }
        List<String> command = new ArrayList<>(List.of(analyze.toString(), "verify", "--man=no", "--root=" + sysroot));
        command.addAll(names);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        Shell.sh(root, "rm -rf sysroot"); // its links point outside the temporary directory
        assertThat(out).as("systemd-analyze verify %s: every line is a warning or an error", names).isEmpty();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void theUnitsAgreeWithTheRolesTheirExitCodesAndTheExampleConfig() throws Exception {
        Map<String, SystemdUnit> units = units();
        SystemdUnit journal = units.get("teefs-journal.service");
        SystemdUnit broadcast = units.get("teefs-broadcast.service");
        SystemdUnit mirror = units.get("teefs-mirror@.service");
        for (SystemdUnit u : units.values()) {
            List<String> exec = SystemdUnit.commandWords(u.one("Service", "ExecStart").orElseThrow());
            // the distribution puts its launcher at bin/teefs; the README unpacks it as /opt/teefs
            assertThat(exec.subList(0, 2)).as("%s ExecStart", u).containsExactly("/opt/teefs/bin/teefs", "run");
            assertThat(exec).as("%s ExecStart", u).containsSubsequence("--config", "/etc/teefs/teefs.toml");
            assertThat(u.one("Service", "Restart")).as("%s Restart", u).contains("on-failure");
            assertThat(u.words("Service", "RestartPreventExitStatus")).as("%s: 2 is a configuration error", u)
                    .contains("2");
            assertThat(u.words("Install", "WantedBy")).as("%s WantedBy", u).contains("multi-user.target");
        }
        assertThat(Files.isExecutable(REPO.resolve("packaging/dist/bin/teefs"))).isTrue();
        assertThat(Files.readString(REPO.resolve("packaging/assembly/dist-dir.xml")))
                .contains("<directory>${project.basedir}/../packaging/dist/bin</directory>")
                .contains("<outputDirectory>bin</outputDirectory>");

        // order: journal (READY = mounted), then broadcast (READY = listening), then the mirrors
        assertThat(SystemdUnit.commandWords(journal.one("Service", "ExecStart").orElseThrow())).contains("journal");
        assertThat(journal.one("Service", "Type")).contains("notify");
        assertThat(broadcast.one("Service", "Type")).contains("notify");
        assertThat(broadcast.words("Unit", "After")).contains("teefs-journal.service");
        assertThat(broadcast.words("Unit", "Requires")).contains("teefs-journal.service");
        assertThat(mirror.words("Unit", "After")).contains("teefs-journal.service", "teefs-broadcast.service");
        assertThat(mirror.words("Unit", "Wants")).contains("teefs-broadcast.service");

        // a mirror: 2 and 3 are for good (MirrorException's contract), 4 is handled inside 'teefs run' (bootstrap)
        assertThat(mirror.words("Service", "RestartPreventExitStatus"))
                .contains(Integer.toString(MirrorException.CONFIGURATION),
                        Integer.toString(MirrorException.UNTRUSTED_RECORD))
                .doesNotContain(Integer.toString(MirrorException.MUST_BOOTSTRAP));

        // the example config the README installs as /etc/teefs/teefs.toml: every directory a unit's role uses is on
        // a mount the unit requires, so no role starts before its drive (a mirror would bootstrap onto /)
        UpConfig example = UpConfig.load(REPO.resolve("docs/teefs.example.toml"));
        assertCovered(journal, example.journal().store(), example.journal().queue(), example.journal().mount());
        assertCovered(broadcast, example.journal().queue());
        for (UpConfig.Mirror m : example.mirrors()) {
            assertCovered(mirror.instance(m.name()), m.target());
        }
    }

    private static void assertCovered(SystemdUnit unit, Path... dirs) {
        List<Path> mounts = unit.words("Unit", "RequiresMountsFor").stream().map(Path::of).toList();
        for (Path d : dirs) {
            assertThat(mounts.stream().anyMatch(d::startsWith))
                    .as("%s: RequiresMountsFor %s covers %s", unit, mounts, d).isTrue();
        }
    }

    @Test
    void aConfigurationErrorEndsEachUnitWithAnExitItDoesNotRestart() throws Exception {
        installLauncher(root.resolve("root/opt/teefs"), true);
        Path etc = Files.createDirectories(root.resolve("root/etc/teefs"));
        Files.writeString(etc.resolve("teefs.toml"), "data = \"" + root.resolve("srv") + "\"\n[journal]\nstroe = \"x\"\n");
        for (SystemdUnit u : units().values()) {
            SystemdUnit unit = u.name.contains("@.") ? u.instance("disk1") : u;
            List<String> command = command(unit.one("Service", "ExecStart").orElseThrow(), -1);
            Process p = launch(command, root.resolve(unit.name + ".log"), null);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            String out = Files.readString(root.resolve(unit.name + ".log"));
            assertThat(out).as(unit.name).contains("journal.stroe (line 3): unknown key");
            assertThat(unit.words("Service", "RestartPreventExitStatus")).as("%s exited %d:\n%s", unit, p.exitValue(),
                    out).contains(Integer.toString(p.exitValue()));
        }
        // a mirror instance that the config does not name
        Files.writeString(etc.resolve("teefs.toml"), "data = \"" + root.resolve("srv") + "\"\n");
        SystemdUnit nosuch = units().get("teefs-mirror@.service").instance("nosuch");
        Process p = launch(command(nosuch.one("Service", "ExecStart").orElseThrow(), -1), root.resolve("nosuch.log"), null);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(Files.readString(root.resolve("nosuch.log"))).contains("no mirror named 'nosuch'");
        assertThat(nosuch.words("Service", "RestartPreventExitStatus")).contains(Integer.toString(p.exitValue()));
    }

    @Test
    void theUnitsStartReloadAndStopTheRolesAsSystemdWould() throws Exception {
        Fuse.assumeAvailable();
        installLauncher(root.resolve("root/opt/teefs"), true);
        Path data = root.resolve("srv");
        Path mount = data.resolve("mount");
        Path socket = data.resolve("teefs.sock");
        Path target = data.resolve("mirrors/disk1");
        Path etc = Files.createDirectories(root.resolve("root/etc/teefs"));
        Files.writeString(etc.resolve("teefs.toml"), "data = \"" + data + "\"\n\n[broadcast]\nlisten = [\"unix:" + socket
                + "\"]\n\n[[mirror]]\nname = \"disk1\"\ntarget = \"" + target + "\"\n");
        Map<String, SystemdUnit> units = units();
        List<SystemdUnit> order = List.of(units.get("teefs-journal.service"), units.get("teefs-broadcast.service"),
                units.get("teefs-mirror@.service").instance("disk1"));
        List<Running> running = new ArrayList<>();
        try (NotifySocket notify = NotifySocket.open(root.resolve("notify.sock"), root.resolve("notify.log"))) {
            try {
                for (SystemdUnit unit : order) {
                    running.add(start(unit, notify));
                    if (unit.name.equals("teefs-journal.service")) {
                        assertThat(Fuse.isMounted(mount)).as("mounted when the journal says READY=1").isTrue();
                    }
                    if (unit.name.equals("teefs-broadcast.service")) {
                        assertThat(canConnect(socket)).as("listening when the broadcaster says READY=1").isTrue();
                    }
                }
                // the pipeline the units make works: a file written to the mount reaches the drive
                Files.writeString(mount.resolve("hello.txt"), "hello\n");
                Await.file(target.resolve("hello.txt"), "hello\n", Duration.ofSeconds(120), () -> logs(running));

                for (Running r : running) {
                    for (String reload : r.unit.all("Service", "ExecReload")) {
                        Process p = launch(command(reload, r.process.pid()), root.resolve("reload.log"), null);
                        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
                        assertThat(p.exitValue()).as("%s ExecReload=%s", r.unit, reload).isZero();
                        awaitLog(r, "credentials and TLS material reloaded", Duration.ofSeconds(30));
                        assertThat(r.process.isAlive()).as("%s after ExecReload", r.unit).isTrue();
                    }
                }

                List<Running> reverse = new ArrayList<>(running);
                Collections.reverse(reverse);
                for (Running r : reverse) {
                    stop(r);
                }
                assertThat(Fuse.isMounted(mount)).as("the journal unmounts when its unit stops").isFalse();
                assertThat(notify.messages(running.get(0).process.pid())).contains("STOPPING=1");
            } finally {
                for (Running r : running) {
                    r.process.descendants().forEach(ProcessHandle::destroyForcibly);
                    r.process.destroyForcibly();
                    r.process.waitFor(30, TimeUnit.SECONDS);
                }
                Fuse.forceUnmount(mount);
            }
        }
    }

    /** A unit's main process, started from its ExecStart. */
    private record Running(SystemdUnit unit, Process process, Path log) {
    }

    /** ExecStartPre, then ExecStart; waits for what the unit's Type= says "started" means. */
    private Running start(SystemdUnit unit, NotifySocket notify) throws Exception {
        for (String pre : unit.all("Service", "ExecStartPre")) {
            Process p = launch(command(pre, -1), root.resolve(unit.name + ".pre.log"), null);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue() == 0 || pre.startsWith("-")).as("%s ExecStartPre=%s", unit, pre).isTrue();
        }
        String type = unit.one("Service", "Type").orElse("simple");
        Path log = root.resolve(unit.name + ".log");
        Process p = launch(command(unit.one("Service", "ExecStart").orElseThrow(), -1), log,
                type.equals("notify") ? notify.path : null);
        Running r = new Running(unit, p, log);
        if (type.equals("notify")) {
            // NotifyAccess=main (the default): only the main process may say READY=1
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!notify.messages(p.pid()).contains("READY=1")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(unit + ": no READY=1 from its main process (pid " + p.pid() + "); "
                            + "notifications: " + notify.all() + "\nlog:\n" + UpFixture.read(log));
                }
                Thread.sleep(50);
            }
        } else {
            Thread.sleep(500);
        }
        assertThat(p.isAlive()).as("%s is running; log:\n%s", unit, UpFixture.read(log)).isTrue();
        return r;
    }

    /** What systemctl stop does: KillSignal to the processes KillMode names, at most TimeoutStopSec, then ExecStopPost. */
    private void stop(Running r) throws Exception {
        String signal = r.unit.one("Service", "KillSignal").orElse("SIGTERM").replace("SIG", "");
        String mode = r.unit.one("Service", "KillMode").orElse("control-group");
        List<Long> pids = new ArrayList<>(List.of(r.process.pid()));
        if (mode.equals("control-group")) {
            r.process.descendants().forEach(h -> pids.add(h.pid()));
        }
        for (long pid : pids) {
            new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).start().waitFor();
        }
        long timeout = SystemdUnit.millis(r.unit.one("Service", "TimeoutStopSec").orElse("90s"));
        assertThat(r.process.waitFor(timeout, TimeUnit.MILLISECONDS))
                .as("%s stopped within TimeoutStopSec (%d ms) of SIG%s; log:\n%s", r.unit, timeout, signal,
                        UpFixture.read(r.log)).isTrue();
        int code = r.process.exitValue();
        List<String> success = new ArrayList<>(List.of("0"));
        success.addAll(r.unit.words("Service", "SuccessExitStatus"));
        assertThat(success).as("%s exited %d after SIG%s: systemd must count that as a clean stop (SuccessExitStatus)"
                + "; log:\n%s", r.unit, code, signal, UpFixture.read(r.log)).contains(Integer.toString(code));
        for (String post : r.unit.all("Service", "ExecStopPost")) {
            Process p = launch(command(post, -1), root.resolve(r.unit.name + ".post.log"), null);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue() == 0 || post.startsWith("-")).as("%s ExecStopPost=%s", r.unit, post).isTrue();
        }
    }

    /** An Exec line's words with the install's paths under this test's root, and $MAINPID given. */
    private List<String> command(String exec, long mainPid) {
        List<String> words = new ArrayList<>();
        for (String w : SystemdUnit.commandWords(exec)) {
            if (w.startsWith("/opt/teefs/") || w.startsWith("/etc/teefs/")) {
                w = root.resolve("root").toString() + w;
            }
            words.add(w.replace("$MAINPID", Long.toString(mainPid)).replace("${MAINPID}", Long.toString(mainPid)));
        }
        return words;
    }

    /** Runs a command the way systemd runs a unit's: in /, with the environment a service gets. */
    private static Process launch(List<String> command, Path log, Path notifySocket) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // what systemd gives a service: its own environment, not the test's
        b.environment().keySet().removeIf(k -> k.startsWith("TEEFS") || k.equals("NOTIFY_SOCKET"));
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("TEEFS_JAVA_OPTS", "-Xmx512m -XX:+UseSerialGC");
        b.environment().put("LC_ALL", "C.UTF-8");
        if (notifySocket != null) {
            b.environment().put("NOTIFY_SOCKET", notifySocket.toString());
        }
        return b.directory(Path.of("/").toFile()).start();
    }

    /**
     * The distribution's launcher (packaging/dist/bin/teefs) at OPT/bin/teefs and its JVM options at OPT/etc, as the
     * assembly lays them out, and OPT/lib holding this build's runtime jars (the reactor's classes directories packed
     * as jars, as the assembly would).
     */
    private static Path installLauncher(Path opt, boolean withLib) throws Exception {
        Files.createDirectories(opt.resolve("bin"));
        Files.copy(REPO.resolve("packaging/dist/bin/teefs"), opt.resolve("bin/teefs"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(opt.resolve("bin/teefs"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(opt.resolve("etc"));
        Files.copy(REPO.resolve("packaging/dist/etc/jvm.options"), opt.resolve("etc/jvm.options"),
                StandardCopyOption.REPLACE_EXISTING);
        if (withLib) {
            Path lib = Files.createDirectories(opt.resolve("lib"));
            String classpath = Files.readString(Path.of(System.getProperty("teefs.classpath.file"))).trim();
            ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow();
            int n = 0;
            for (String entry : classpath.split(":")) {
                Path e = Path.of(entry);
                if (Files.isDirectory(e)) {
                    // cli/target/classes -> lib/cli-classes-N.jar
                    Path j = lib.resolve(e.getParent().getParent().getFileName() + "-classes-" + n++ + ".jar");
                    int rc = jar.run(new PrintStream(System.out), new PrintStream(System.err), "--create", "--file",
                            j.toString(), "-C", e.toString(), ".");
                    assertThat(rc).as("jar of %s", e).isZero();
                } else if (entry.endsWith(".jar")) {
                    try {
                        Files.createLink(lib.resolve(e.getFileName()), e);
                    } catch (IOException | UnsupportedOperationException crossDevice) {
                        Files.copy(e, lib.resolve(e.getFileName()));
                    }
                }
            }
        }
        return opt;
    }

    private static boolean canConnect(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String logs(List<Running> running) {
        StringBuilder logs = new StringBuilder();
        for (Running r : running) {
            logs.append("\n== ").append(r.unit).append(":\n").append(UpFixture.tail(UpFixture.read(r.log)));
        }
        return logs.toString();
    }

    private static void awaitLog(Running r, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!UpFixture.read(r.log).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(r.unit + " did not log '" + text + "':\n" + UpFixture.read(r.log));
            }
            Thread.sleep(50);
        }
    }

    /**
     * What systemd listens on for sd_notify: a Unix datagram socket, here served by python3 (Java has no Unix
     * datagram sockets), which logs each message with the sender's pid from SCM_CREDENTIALS, as systemd reads it.
     */
    private static final class NotifySocket implements AutoCloseable {
        private static final String SCRIPT = """
                import socket, struct, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
                s.bind(sys.argv[1])
                print('bound', flush=True)
                with open(sys.argv[2], 'a') as out:
                    while True:
                        msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
                        pid = -1
                        for level, kind, data in anc:
                            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                                pid = struct.unpack('iII', data[:12])[0]
                        for line in msg.decode('utf-8', 'replace').split('\\n'):
                            out.write('%d %s\\n' % (pid, line))
                        out.flush()
                """;
        final Path path;
        private final Path log;
        private final Process python;

        private NotifySocket(Path path, Path log, Process python) {
            this.path = path;
            this.log = log;
            this.python = python;
        }

        static NotifySocket open(Path path, Path log) throws Exception {
            Path script = path.resolveSibling("notify.py");
            Files.writeString(script, SCRIPT);
            Files.writeString(log, "");
            Process p = new ProcessBuilder("python3", script.toString(), path.toString(), log.toString())
                    .redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readNBytes(6));
            assertThat(first).as("the notify socket listener started").isEqualTo("bound\n");
            return new NotifySocket(path, log, p);
        }

        /** The variables sent by {@code pid}, one per entry ("READY=1", "STATUS=..."). */
        List<String> messages(long pid) throws IOException {
            List<String> m = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith(pid + " ")) {
                    m.add(line.substring(line.indexOf(' ') + 1));
                }
            }
            return m;
        }

        String all() throws IOException {
            return Files.readString(log);
        }

        @Override
        public void close() throws InterruptedException {
            python.destroyForcibly();
            python.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
