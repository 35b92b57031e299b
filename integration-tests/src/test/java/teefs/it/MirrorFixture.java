package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import teefs.mirror.verify.Difference;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

/**
 * The whole pipeline as real processes: a journal-fs mount ({@link JournalFixture}), a {@code teefs broadcast} on a
 * Unix socket, and any number of {@code teefs mirror} processes, each on its own TARGET under {@code dir/mirrors}.
 * Judged by {@link #awaitConverged}: every mirror identical to STORE by the tree verifier (what 'teefs verify' runs).
 */
final class MirrorFixture implements AutoCloseable {
    final Path dir;
    final JournalFixture journal;
    final Path socket;
    final Path logs;
    private TeefsProcess broadcaster;
    private int broadcasterStarts;
    private final Map<String, TeefsProcess> mirrors = new LinkedHashMap<>();
    private final Map<String, Integer> mirrorStarts = new LinkedHashMap<>();

    MirrorFixture(Path dir) {
        this.dir = dir;
        this.journal = new JournalFixture(dir.resolve("j"));
        this.socket = dir.resolve("b.sock");
        this.logs = dir.resolve("logs");
    }

    MirrorFixture start() throws Exception {
        journal.start();
        startBroadcaster();
        return this;
    }

    void startBroadcaster() throws Exception {
        broadcaster = TeefsProcess.start(logs, "broadcast-" + (++broadcasterStarts), "broadcast",
                "--queue", journal.queue.toString(), "--listen", "unix:" + socket, "--heartbeat", "500ms",
                "--idle-timeout", "5s");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!broadcaster.output().contains("serving")) {
            if (!broadcaster.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("teefs broadcast did not start:\n" + broadcaster.output());
            }
            Thread.sleep(20);
        }
    }

    void kill9Broadcaster() throws Exception {
        broadcaster.kill9();
    }

    Path target(String name) {
        return dir.resolve("mirrors").resolve(name);
    }

    /** Starts mirror {@code name}; with {@code bootstrap}, from a copy of STORE. */
    TeefsProcess startMirror(String name, boolean bootstrap, String... extra) throws Exception {
        return startMirror(name, bootstrap, Map.of(), extra);
    }

    /** Starts mirror {@code name} with {@code env} added to its environment. */
    TeefsProcess startMirror(String name, boolean bootstrap, Map<String, String> env, String... extra)
            throws Exception {
        return startMirror(name, target(name), bootstrap, env, extra);
    }

    /** Starts mirror {@code name} onto {@code target} instead of its own directory under {@code dir/mirrors}. */
    TeefsProcess startMirrorAt(String name, Path target, boolean bootstrap, String... extra) throws Exception {
        return startMirror(name, target, bootstrap, Map.of(), extra);
    }

    private TeefsProcess startMirror(String name, Path target, boolean bootstrap, Map<String, String> env,
                                     String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("mirror", "--connect", "unix:" + socket,
                "--target", target.toString(), "--batch-ms", "100"));
        if (bootstrap) {
            args.addAll(List.of("--bootstrap", "--source", journal.store.toString()));
        }
        args.addAll(List.of(extra));
        int n = mirrorStarts.merge(name, 1, Integer::sum);
        TeefsProcess p = TeefsProcess.start(logs, "mirror-" + name + "-" + n, env, args.toArray(String[]::new));
        mirrors.put(name, p);
        return p;
    }

    TeefsProcess mirror(String name) {
        return mirrors.get(name);
    }

    /** Waits until the current process of mirror {@code name} has logged {@code text} (e.g. "streaming"). */
    void awaitMirrorLog(String name, String text, Duration timeout) throws Exception {
        TeefsProcess p = mirrors.get(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!p.output().contains(text)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("mirror " + name + " did not log '" + text + "' within " + timeout
                        + " (alive: " + p.isAlive() + "):\n" + tail(p.output()));
            }
            Thread.sleep(10);
        }
    }

    /** Waits until TARGET of every named mirror is identical to STORE; fails with the differences and logs. */
    void awaitConverged(Duration timeout, String... names) throws Exception {
        TreeVerifier verifier = new TreeVerifier(VerifyOptions.full());
        for (String name : names) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<Difference> differences;
            while (true) {
                differences = Files.isDirectory(target(name)) ? verifier.compare(journal.store, target(name))
                        : List.of();
                if (Files.isDirectory(target(name)) && differences.isEmpty()) {
                    break;
                }
                TeefsProcess p = mirrors.get(name);
                if (System.nanoTime() > deadline || (p != null && !p.isAlive())) {
                    assertThat(differences).as("mirror %s differs from STORE after %s; mirror log:\n%s\nbroadcast"
                            + " log:\n%s", name, timeout, p == null ? "" : tail(p.output()),
                            tail(broadcaster.output())).isEmpty();
                    assertThat(Files.isDirectory(target(name))).as("target of " + name).isTrue();
                }
                Thread.sleep(100);
            }
        }
    }

    static String tail(String log) {
        return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
    }

    @Override
    public void close() throws Exception {
        for (TeefsProcess p : mirrors.values()) {
            p.close();
        }
        if (broadcaster != null) {
            broadcaster.close();
        }
        journal.close();
    }
}
