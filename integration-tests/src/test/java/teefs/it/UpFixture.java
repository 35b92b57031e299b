package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import teefs.mirror.verify.Difference;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

/**
 * A real {@code teefs up} over a TOML config in one directory: finds its children by their command lines (so tests
 * can SIGKILL exactly one role), waits for mirrors to converge, and judges with {@code teefs verify}.
 */
final class UpFixture implements AutoCloseable {
    final Path dir;
    final Path config;
    final Path store;
    final Path mount;
    final Path queue;
    final Path logs;
    final List<String> mirrorNames = new ArrayList<>();
    final List<Path> targets = new ArrayList<>();
    private TeefsProcess up;
    private int starts;

    UpFixture(Path dir, Path queue) {
        this.dir = dir;
        this.config = dir.resolve("teefs.toml");
        this.store = dir.resolve("store");
        this.mount = dir.resolve("mount");
        this.queue = queue == null ? dir.resolve("queue") : queue;
        this.logs = dir.resolve("logs");
    }

    /** Writes the config: the [journal] paths, the extra TOML given, and one [[mirror]] per (name, target, extra). */
    UpFixture config(String extraToml, String... mirrors) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("data = \"").append(dir).append("\"\n");
        b.append(extraToml).append('\n');
        b.append("[journal]\nstore = \"").append(store).append("\"\nmount = \"").append(mount)
                .append("\"\nqueue = \"").append(queue).append("\"\n");
        for (int i = 0; i + 2 < mirrors.length; i += 3) {
            mirrorNames.add(mirrors[i]);
            targets.add(Path.of(mirrors[i + 1]));
            b.append("\n[[mirror]]\nname = \"").append(mirrors[i]).append("\"\ntarget = \"").append(mirrors[i + 1])
                    .append("\"\n").append(mirrors[i + 2]).append('\n');
        }
        Files.createDirectories(dir);
        Files.writeString(config, b.toString());
        return this;
    }

    /** Starts teefs up (again, after a kill: each start has its own log, up.log, up-2.log ...) and waits for ready. */
    UpFixture start() throws Exception {
        starts++;
        up = TeefsProcess.start(dir.resolve("up-logs"), starts == 1 ? "up" : "up-" + starts, "up", "--plain",
                "--config", config.toString());
        awaitOutput("ready: write into", Duration.ofSeconds(90));
        return this;
    }

    TeefsProcess process() {
        return up;
    }

    void awaitOutput(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!up.output().contains(text)) {
            if (!up.isAlive()) {
                throw new AssertionError("teefs up exited before printing '" + text + "':\n" + up.output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("teefs up did not print '" + text + "' within " + timeout + ":\n"
                        + up.output());
            }
            Thread.sleep(50);
        }
    }

    /** The child whose command line has all these words, e.g. ("broadcast") or ("mirror", "disk1"). */
    Optional<ProcessHandle> child(String... words) {
        Predicate<ProcessHandle> matches = h -> {
            List<String> rest = ProcArgs.teefsArgs(h);
            if (rest.isEmpty() || !rest.get(0).equals(words[0])) {
                return false;
            }
            for (String w : words) {
                if (!rest.contains(w)) {
                    return false;
                }
            }
            return true;
        };
        return ProcessHandle.of(up.pid()).stream().flatMap(ProcessHandle::children).filter(matches).findFirst();
    }

    /** Waits for a child with these words whose pid is not {@code oldPid}; returns its pid. */
    long awaitNewChild(long oldPid, Duration timeout, String... words) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> h = child(words);
            if (h.isPresent() && h.get().pid() != oldPid && h.get().isAlive()) {
                return h.get().pid();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no new '" + String.join(" ", words) + "' child within " + timeout + ":\n"
                + tail(up.output()));
    }

    /** SIGKILL of the role's process; returns the pid killed. */
    long kill9(String... words) throws Exception {
        ProcessHandle h = child(words).orElseThrow(() -> new AssertionError("no running child '"
                + String.join(" ", words) + "':\n" + tail(up.output())));
        h.destroyForcibly();
        h.onExit().get();
        return h.pid();
    }

    /** Waits until every mirror's target equals STORE (contents and metadata), or fails naming the differences. */
    void awaitConverged(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        TreeVerifier verifier = new TreeVerifier(VerifyOptions.full());
        for (int i = 0; i < targets.size(); i++) {
            List<Difference> d;
            while (true) {
                try {
                    d = verifier.compare(store, targets.get(i));
                } catch (RuntimeException e) {
                    d = List.of();
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                    continue;
                }
                if (d.isEmpty()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("mirror " + mirrorNames.get(i) + " did not converge within " + timeout
                            + "; " + d.size() + " differences, first: " + d.subList(0, Math.min(10, d.size()))
                            + "\nup:\n" + tail(up.output()) + "\nmirror log:\n"
                            + tail(read(logs.resolve("mirror-" + mirrorNames.get(i) + ".log"))));
                }
                Thread.sleep(250);
            }
        }
    }

    /** {@code teefs verify STORE TARGET} for every mirror: the judge the issue names. Returns the exit codes. */
    List<Integer> verifyAll() throws Exception {
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            TeefsProcess.Result r = TeefsProcess.run(dir.resolve("up-logs"), "verify-" + mirrorNames.get(i),
                    Duration.ofMinutes(3), "verify", store.toString(), targets.get(i).toString());
            assertThat(r.exitCode()).as("teefs verify %s %s:\n%s", store, targets.get(i), tail(r.output())).isZero();
            codes.add(r.exitCode());
        }
        return codes;
    }

    /** SIGTERM to teefs up: everything stops in order and the mount is gone. */
    void stop() throws Exception {
        if (up != null && up.isAlive()) {
            int code = up.terminate(Duration.ofSeconds(120));
            assertThat(code).as("teefs up exit code after SIGTERM:\n%s", tail(up.output())).isIn(0, 143);
            assertThat(up.output()).contains("stopped cleanly");
            Fuse.awaitUnmounted(mount, Duration.ofSeconds(10));
        }
    }

    String log(String role) {
        return read(logs.resolve(role + ".log"));
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(cannot read " + p + ")";
        }
    }

    static String tail(String log) {
        return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
    }

    @Override
    public void close() throws Exception {
        if (up != null && up.isAlive()) {
            // children first (they are in their own sessions), then teefs up
            ProcessHandle.of(up.pid()).stream().flatMap(ProcessHandle::children).forEach(ProcessHandle::destroyForcibly);
            up.close();
        }
        Fuse.forceUnmount(mount);
        // a teefs up killed before its clean stop leaves the bare mount point sealed (chattr +i): unseal it, or the
        // temporary directory cannot be deleted
        new ProcessBuilder("chattr", "-i", mount.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
