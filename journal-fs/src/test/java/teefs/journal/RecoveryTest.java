package teefs.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.replay.QueueReplayer;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.posix.Stat;
import teefs.protocol.RecordType;
import teefs.queue.AppendOptions;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * A process killed between changing STORE and appending the record leaves an intent; the next start must journal
 * what STORE shows, so that a replay of the queue ends identical to STORE whether or not the change landed.
 */
class RecoveryTest {
    @TempDir
    Path root;
    Path store;
    Path queueDir;

    @BeforeEach
    void setUp() throws Exception {
        store = Files.createDirectories(root.resolve("store"));
        queueDir = root.resolve("queue");
    }

    /** Runs {@code before} through a normal journal, then simulates a crash inside {@code inFlight}, then recovers. */
    private void crashAndRecover(JournalStep before, CrashStep inFlight) throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(queueDir); IntentLog intents = new IntentLog(queueDir);
             RecordJournal journal = new RecordJournal(queue, options(), new HandleTable())) {
            journal.startSession();
            before.run(journal);
            inFlight.run(intents);
            // the process dies here: no record, the intent left set
        }
        try (JournalQueue queue = JournalQueue.openOrCreate(queueDir); IntentLog intents = new IntentLog(queueDir);
             RecordJournal journal = new RecordJournal(queue, options(), new HandleTable())) {
            assertThat(intents.pending()).as("the crashed run left its intent").isNotNull();
            new Recovery(store.toString(), journal).recover(intents);
            journal.startSession();
            assertThat(intents.pending()).as("recovery clears the intent").isNull();
        }
    }

    private static AppendOptions options() {
        return new AppendOptions(SyncLevel.NONE, 100, 0);
    }

    private void assertReplayEqualsStore() throws Exception {
        Path replica = Files.createDirectories(root.resolve("replica"));
        try (JournalQueue queue = JournalQueue.openExisting(queueDir); ApplyEngine engine = ApplyEngine.open(replica)) {
            new QueueReplayer(queue, engine, System.err).replay(-1, Long.MAX_VALUE);
        }
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(store, replica)).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void createJournaled(RecordJournal journal, String name, String content) throws Exception {
        Path file = store.resolve(name);
        Files.writeString(file, content);
        Stat stat = new Stat();
        Stat parent = new Stat();
        stat.lstat(file.toString());
        parent.lstat(store.toString());
        journal.create(0, bytes(name), stat, parent);
        journal.truncate(bytes(name), 0, stat);
        OpenFile open = new OpenFile(7, -1, name);
        journal.associate(open);
        byte[] data = bytes(content);
        journal.write(7, 0, data, data.length, stat);
        journal.release(7);
    }

    @Test
    void aWriteThatReachedStoreIsJournaledFromStore() throws Exception {
        crashAndRecover(j -> createJournaled(j, "f", "old content"), intents -> {
            intents.begin(RecordType.WRITE.code(), bytes("f"), null, 4, 7, 0);
            Files.writeString(store.resolve("f"), "old CONTENT");
        });
        assertReplayEqualsStore();
        assertThat(Files.readString(root.resolve("replica/f"))).isEqualTo("old CONTENT");
    }

    @Test
    void aWriteThatExtendedTheFileIsJournaledWhole() throws Exception {
        crashAndRecover(j -> createJournaled(j, "f", "abc"), intents -> {
            intents.begin(RecordType.WRITE.code(), bytes("f"), null, 3, 100_000, 0);
            Files.writeString(store.resolve("f"), "abc" + "z".repeat(100_000));
        });
        assertReplayEqualsStore();
    }

    @Test
    void aRenameThatLandedIsJournaled() throws Exception {
        long[] inode = new long[1];
        crashAndRecover(j -> {
            createJournaled(j, "a", "moving");
            Stat s = new Stat();
            s.lstat(store.resolve("a").toString());
            inode[0] = s.ino();
        }, intents -> {
            intents.begin(RecordType.RENAME.code(), bytes("a"), bytes("b"), 0, 0, inode[0]);
            Files.move(store.resolve("a"), store.resolve("b"));
        });
        assertReplayEqualsStore();
        assertThat(root.resolve("replica/b")).hasContent("moving");
    }

    @Test
    void aRenameThatDidNotLandIsNotJournaled() throws Exception {
        long[] inode = new long[1];
        crashAndRecover(j -> {
            createJournaled(j, "a", "staying");
            Stat s = new Stat();
            s.lstat(store.resolve("a").toString());
            inode[0] = s.ino();
        }, intents -> intents.begin(RecordType.RENAME.code(), bytes("a"), bytes("b"), 0, 0, inode[0]));
        assertReplayEqualsStore();
        assertThat(root.resolve("replica/a")).hasContent("staying");
        assertThat(root.resolve("replica/b")).doesNotExist();
    }

    @Test
    void aMkdirAndAnUnlinkThatLandedAreJournaled() throws Exception {
        crashAndRecover(j -> createJournaled(j, "gone", "x"), intents -> {
            intents.begin(RecordType.MKDIR.code(), bytes("newdir"), null, 0, 0, 0);
            Files.createDirectory(store.resolve("newdir"));
        });
        assertReplayEqualsStore();
        crashAndRecover(j -> { }, intents -> {
            intents.begin(RecordType.UNLINK.code(), bytes("gone"), null, 0, 0, 0);
            Files.delete(store.resolve("gone"));
        });
        Files.walk(root.resolve("replica")).sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());
        assertReplayEqualsStore();
    }

    @Test
    void aChmodThatLandedIsRestated() throws Exception {
        crashAndRecover(j -> createJournaled(j, "f", "x"), intents -> {
            intents.begin(RecordType.CHMOD.code(), bytes("f"), null, 0, 0, 0);
            Files.setPosixFilePermissions(store.resolve("f"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        });
        assertReplayEqualsStore();
    }

    @FunctionalInterface
    interface JournalStep {
        void run(RecordJournal journal) throws Exception;
    }

    @FunctionalInterface
    interface CrashStep {
        void run(IntentLog intents) throws Exception;
    }
}
