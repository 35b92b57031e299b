package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.replay.QueueReplayer;
import teefs.mirror.verify.Difference;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.queue.JournalQueue;

/** A journal-fs process over STORE/MOUNT/QUEUE in one directory, and the replay-and-compare that judges it. */
final class JournalFixture implements AutoCloseable {
    final Path dir;
    final Path store;
    final Path mount;
    final Path queue;
    final Path logs;
    private TeefsProcess journal;
    private int replicas;

    JournalFixture(Path dir) {
        this(dir, dir.resolve("queue"));
    }

    /** With the queue somewhere else (another filesystem, e.g. a small tmpfs). */
    JournalFixture(Path dir, Path queue) {
        this.dir = dir;
        this.store = dir.resolve("store");
        this.mount = dir.resolve("mount");
        this.queue = queue;
        this.logs = dir.resolve("logs");
    }

    JournalFixture start(String... extraArgs) throws Exception {
        String[] base = {"journal", "--store", store.toString(), "--mount", mount.toString(),
            "--queue", queue.toString()};
        String[] args = new String[base.length + extraArgs.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extraArgs, 0, args, base.length, extraArgs.length);
        journal = TeefsProcess.start(logs, "journal", args);
        Fuse.awaitMounted(mount, journal, Duration.ofSeconds(30));
        return this;
    }

    TeefsProcess process() {
        return journal;
    }

    void kill9() throws Exception {
        journal.kill9();
        Fuse.forceUnmount(mount);
        Fuse.awaitUnmounted(mount, Duration.ofSeconds(10));
    }

    void stop() throws Exception {
        if (journal != null && journal.isAlive()) {
            int code = journal.terminate(Duration.ofSeconds(30));
            assertThat(code).as("journal exit code after SIGTERM; log:\n%s", journal.output()).isIn(0, 143);
            Fuse.awaitUnmounted(mount, Duration.ofSeconds(10));
        }
    }

    /** Replays the whole queue onto a new, empty directory and returns it. */
    Path replayAll() throws Exception {
        Path replica = dir.resolve("replica-" + (++replicas));
        Files.createDirectories(replica);
        try (JournalQueue q = JournalQueue.openExisting(queue); ApplyEngine engine = ApplyEngine.open(replica)) {
            new QueueReplayer(q, engine, System.err).replay(-1, Long.MAX_VALUE);
        }
        return replica;
    }

    /** Replaying the queue onto an empty directory gives a tree identical to STORE, metadata included. */
    void assertReplayMatchesStore() throws Exception {
        Path replica = replayAll();
        List<Difference> differences = new TreeVerifier(VerifyOptions.full()).compare(store, replica);
        assertThat(differences).as("differences between STORE and a replay of QUEUE; journal log:\n%s",
                journal == null ? "" : tail(journal.output())).isEmpty();
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }

    @Override
    public void close() throws Exception {
        if (journal != null) {
            journal.close();
        }
        Fuse.forceUnmount(mount);
    }
}
