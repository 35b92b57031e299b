package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;

/**
 * What a reader that must know the open handles at an index reads: a reader told
 * {@link JournalReader#handlesOnlyBefore} hands over, before that index, exactly the records that change the handle
 * table, without reading any WRITE data, and every record from that index on; and
 * {@link JournalQueue#lastRestatementAtOrBefore} finds where such a reader can begin.
 */
@Timeout(60)
class HandlesOnlyReadTest {
    @TempDir
    Path dir;

    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH));
    private final UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final List<Long> indexes = new ArrayList<>();
    private final List<RecordType> types = new ArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** CHECKPOINT, ASSOCIATE, big WRITE (side file), MKDIR, small WRITE, RENAME, CREATE, CHMOD, RELEASE, twice over. */
    private void appendMix(JournalAppender appender) {
        for (int round = 0; round < 2; round++) {
            int h = 10 + round;
            append(appender, RecordType.CHECKPOINT, encoder.wrap(scratch, 0).checkpointBegin(1, 7L)
                    .checkpointEntry(3, bytes("open" + round)).checkpointEnd());
            append(appender, RecordType.ASSOCIATE, encoder.wrap(scratch, 0).associate(h, bytes("f" + round)));
            UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(200_000));
            int headLength = encoder.wrap(head, 0).writeHead(h, 0, 1, 2, data, 0, data.capacity());
            indexes.add(appender.append(head, 0, headLength, data, 0, data.capacity(),
                    RecordHeader.paddingFor(headLength + data.capacity())));
            types.add(RecordType.WRITE);
            append(appender, RecordType.MKDIR, encoder.wrap(scratch, 0).mkdir(0755, 0, 0, 1, 2, 1, 2, bytes("d" + round)));
            append(appender, RecordType.WRITE, encoder.wrap(scratch, 0).write(h, 0, 1, 2, bytes("small")));
            append(appender, RecordType.RENAME, encoder.wrap(scratch, 0).rename(0, 1, 2, 1, 2, bytes("f" + round),
                    bytes("g" + round)));
            append(appender, RecordType.CREATE, encoder.wrap(scratch, 0).create(h + 100, 0644, 0, 0, 1, 2, 1, 2,
                    bytes("c" + round)));
            append(appender, RecordType.CHMOD, encoder.wrap(scratch, 0).chmod(0600, bytes("c" + round)));
            append(appender, RecordType.RELEASE, encoder.wrap(scratch, 0).release(h));
        }
    }

    private void append(JournalAppender appender, RecordType type, int length) {
        indexes.add(appender.append(scratch, 0, length));
        types.add(type);
    }

    private static List<Long> read(JournalQueue queue, long from, long handlesOnlyBefore) {
        Collected got = new Collected();
        try (JournalReader reader = queue.reader()) {
            assertThat(reader.seekTo(from)).isTrue();
            reader.handlesOnlyBefore(handlesOnlyBefore);
            got.drain(reader);
        }
        return got.indexes;
    }

    @Test
    void beforeTheIndexOnlyHandleChangesAreHandedOverAndFromItEverything() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.BATCH, 10, 0))) {
            appendMix(appender);
        }
        int split = types.size() / 2 + 1; // the second round's ASSOCIATE: its big WRITE and the rest come whole
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            if (i >= split || types.get(i).changesHandles()) {
                expected.add(indexes.get(i));
            }
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            assertThat(read(queue, indexes.get(0), indexes.get(split))).containsExactlyElementsOf(expected);
            assertThat(expected).hasSize(6 + (types.size() - split)); // round one: CHECKPOINT ASSOCIATE RENAME CREATE RELEASE; round two: CHECKPOINT
            // 0 (the default) and an index at or before the start read everything
            assertThat(read(queue, indexes.get(0), 0)).containsExactlyElementsOf(indexes);
            assertThat(read(queue, indexes.get(2), indexes.get(1))).containsExactlyElementsOf(indexes.subList(2,
                    indexes.size()));
        }
    }

    @Test
    void writeDataBeforeTheIndexIsNotReadAtAll() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.BATCH, 10, 0))) {
            appendMix(appender);
        }
        // without its side file a big WRITE cannot be read (SideDataTest): skipped, it is not even looked for
        try (Stream<Path> files = Files.list(dir)) {
            for (Path side : files.filter(p -> p.toString().endsWith(DataLog.SUFFIX)).toList()) {
                Files.delete(side);
            }
        }
        long end = indexes.get(indexes.size() - 1) + 1;
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                if (types.get(i).changesHandles()) {
                    expected.add(indexes.get(i));
                }
            }
            assertThat(read(queue, indexes.get(0), end)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void theLastRestatementAtOrBeforeAnIndexIsACheckpointWithResetNotAContinuation() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.BATCH, 10, 0))) {
            appendMix(appender); // CHECKPOINT RESET at 0 and 9
            append(appender, RecordType.CHECKPOINT, encoder.wrap(scratch, 0).checkpointBegin(0, 7L)
                    .checkpointEntry(4, bytes("continued")).checkpointEnd());
            append(appender, RecordType.RELEASE, encoder.wrap(scratch, 0).release(4));
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            long last = indexes.get(indexes.size() - 1);
            assertThat(queue.lastRestatementAtOrBefore(indexes.get(5), 100)).isEqualTo(indexes.get(0));
            assertThat(queue.lastRestatementAtOrBefore(indexes.get(9), 100)).isEqualTo(indexes.get(9));
            assertThat(queue.lastRestatementAtOrBefore(last, 100)).as("past the continuation")
                    .isEqualTo(indexes.get(9));
            assertThat(queue.lastRestatementAtOrBefore(last, 3)).as("too far back to look").isEqualTo(-1);
            assertThat(queue.lastRestatementAtOrBefore(-1, 100)).isEqualTo(-1);
        }
    }
}
