package teefs.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.replay.QueueReplayer;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.posix.Posix;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;
import teefs.queue.AppendOptions;
import teefs.queue.JournalQueue;
import teefs.queue.JournalReader;
import teefs.queue.SyncLevel;

/**
 * JournalFs's callbacks called directly, without a mount: the hot ones read libfuse's structs at fixed offsets and
 * answer libfuse's fgetattr after a create from what the create saw; what they journal must still replay to STORE.
 */
class JournalFsDirectTest {
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    @TempDir
    Path root;
    Path store;
    Path queueDir;

    @BeforeEach
    void setUp() throws Exception {
        store = Files.createDirectories(root.resolve("store"));
        queueDir = root.resolve("queue");
    }

    @Test
    void theRawOffsetsAreJnrFusesFuseFileInfoLayout() {
        FuseFileInfo fi = fileInfo(0);
        assertThat(JournalFs.FI_FLAGS).isEqualTo((int) fi.flags.offset());
        assertThat(JournalFs.FI_FH).isEqualTo((int) fi.fh.offset());
    }

    @Test
    void fgetattrAfterCreateAnswersWhatCreateSawAndLaterOnesAskStore() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(queueDir); IntentLog intents = new IntentLog(queueDir);
             RecordJournal journal = new RecordJournal(queue, new AppendOptions(SyncLevel.NONE, 100, 0),
                     new HandleTable())) {
            journal.startSession();
            HandleTable handles = new HandleTable();
            JournalFs fs = new JournalFs(store.toString(), journal, intents, handles);
            try {
                assertThat(fs.mkdir("/d", 0750)).isZero();
                FuseFileInfo fi = fileInfo(Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC);
                assertThat(fs.create("/d/f", 0640, fi)).isZero();
                FileStat attr = newStat();
                assertThat(fs.fgetattr("/d/f", attr, fi)).isZero();
                assertThat(attr.st_size.longValue()).isZero();
                assertThat(attr.st_mode.intValue() & 07777).isEqualTo(0640);
                assertThat(attr.st_ino.longValue()).isEqualTo((long) Files.getAttribute(store.resolve("d/f"), "unix:ino"));

                byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
                Pointer buf = Memory.allocateDirect(RUNTIME, data.length);
                buf.put(0, data, 0, data.length);
                assertThat(fs.write("/d/f", buf, data.length, 0, fi)).isEqualTo(data.length);
                // the create's attributes were used once; from now on STORE is asked
                assertThat(fs.fgetattr("/d/f", attr, fi)).isZero();
                assertThat(attr.st_size.longValue()).isEqualTo(data.length);

                // a create whose attributes are not asked for at once: a mutation in between makes them stale
                FuseFileInfo gi = fileInfo(Posix.O_WRONLY | Posix.O_CREAT);
                assertThat(fs.create("/d/g", 0600, gi)).isZero();
                assertThat(fs.write("/d/g", buf, data.length, 0, gi)).isEqualTo(data.length);
                assertThat(fs.fgetattr("/d/g", attr, gi)).isZero();
                assertThat(attr.st_size.longValue()).isEqualTo(data.length);

                FileStat byPath = newStat();
                assertThat(fs.getattr("/d/g", byPath)).isZero();
                assertThat(byPath.st_size.longValue()).isEqualTo(data.length);
                assertThat(fs.getattr("/", byPath)).isZero();
                assertThat(byPath.st_ino.longValue()).isEqualTo((long) Files.getAttribute(store, "unix:ino"));
                assertThat(fs.getattr("/d/missing", byPath)).isEqualTo(-Posix.ENOENT);

                assertThat(fs.release("/d/f", fi)).isZero();
                assertThat(fs.release("/d/g", gi)).isZero();
                assertThat(handles.size()).isZero();
            } finally {
                fs.close();
            }
        }
        Path replica = Files.createDirectories(root.resolve("replica"));
        try (JournalQueue queue = JournalQueue.openExisting(queueDir); ApplyEngine engine = ApplyEngine.open(replica)) {
            new QueueReplayer(queue, engine, System.err).replay(-1, Long.MAX_VALUE);
        }
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(store, replica)).isEmpty();
        assertThat(Files.readString(replica.resolve("d/f"))).isEqualTo("hello");
    }

    /**
     * A restatement of the handles falls due every few thousand records and is appended just before whichever
     * record comes next. When that record is the rename of a directory above an open file, the restatement must
     * name the file where it was before the rename (the FaultSuiteTest failure of 2026-11-23: it named it where
     * the rename puts it, a reader bound the handle to a name that did not exist yet, and the writes after the
     * rename were dropped). 5,000 rounds of rename, write, chmod: three records a round against restatements
     * every 4,096 records, so successive restatements fall on each kind of record.
     */
    @Test
    void aRestatementDueAtARenameNamesTheOpenFilesWhereTheyWereBeforeIt() throws Exception {
        HandleTable handles = new HandleTable();
        long written = 0;
        try (JournalQueue queue = JournalQueue.openOrCreate(queueDir); IntentLog intents = new IntentLog(queueDir);
             RecordJournal journal = new RecordJournal(queue, new AppendOptions(SyncLevel.NONE, 100, 0), handles)) {
            journal.startSession();
            JournalFs fs = new JournalFs(store.toString(), journal, intents, handles);
            try {
                assertThat(fs.mkdir("/a", 0755)).isZero();
                FuseFileInfo fi = fileInfo(Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND);
                assertThat(fs.create("/a/open.txt", 0644, fi)).isZero();
                byte[] line = "a line of text\n".getBytes(StandardCharsets.UTF_8);
                Pointer buf = Memory.allocateDirect(RUNTIME, line.length);
                buf.put(0, line, 0, line.length);
                String dir = "/a";
                for (int i = 0; i < 5000; i++) {
                    String next = dir.equals("/a") ? "/b" : "/a";
                    assertThat(fs.rename(dir, next)).isZero();
                    dir = next;
                    assertThat(fs.write(dir + "/open.txt", buf, line.length, written, fi)).isEqualTo(line.length);
                    written += line.length;
                    assertThat(fs.chmod(dir, i % 2 == 0 ? 0750 : 0755)).isZero();
                }
                assertThat(fs.release(dir + "/open.txt", fi)).isZero();
            } finally {
                fs.close();
            }
        }

        int restatementsBeforeRename = 0;
        try (JournalQueue queue = JournalQueue.openExisting(queueDir); JournalReader reader = queue.reader()) {
            boolean[] afterRestatement = {false};
            int[] count = {0};
            while (reader.readNext((index, buffer, offset, length) -> {
                if (afterRestatement[0] && RecordHeader.typeCode(buffer, offset) == RecordType.RENAME.code()) {
                    count[0]++;
                }
                afterRestatement[0] = RecordDecoder.beginsRestatement(buffer, offset, length);
            })) {
                // every record
            }
            restatementsBeforeRename = count[0];
        }
        assertThat(restatementsBeforeRename).as("restatements that fell just before a RENAME: the case under test")
                .isPositive();

        Path replica = Files.createDirectories(root.resolve("replica"));
        try (JournalQueue queue = JournalQueue.openExisting(queueDir); ApplyEngine engine = ApplyEngine.open(replica)) {
            new QueueReplayer(queue, engine, System.err).replay(-1, Long.MAX_VALUE);
        }
        assertThat(new TreeVerifier(VerifyOptions.full()).compare(store, replica)).isEmpty();
        assertThat(Files.size(replica.resolve("a/open.txt"))).isEqualTo(written);
    }

    private static FuseFileInfo fileInfo(int flags) {
        FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(RUNTIME, 256, true));
        fi.flags.set(flags);
        return fi;
    }

    private static FileStat newStat() {
        return FileStat.of(Memory.allocateDirect(RUNTIME, 256, true));
    }
}
