package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalQueueTest {
    private static final AppendOptions NO_SYNC = new AppendOptions(SyncLevel.NONE, 100, 0);

    @TempDir
    Path dir;

    @Test
    void createWritesAnIdThatReopeningKeeps() throws Exception {
        Path q = dir.resolve("q");
        UUID id;
        try (JournalQueue queue = JournalQueue.openOrCreate(q)) {
            id = queue.id();
            assertThat(queue.dir()).isEqualTo(q);
            assertThat(queue.firstIndex()).isEqualTo(-1);
            assertThat(queue.lastIndex()).isEqualTo(-1);
            assertThat(queue.toString()).contains(id.toString());
        }
        assertThat(Files.readString(q.resolve(JournalQueue.ID_FILE), StandardCharsets.US_ASCII).trim())
                .isEqualTo(id.toString());
        try (JournalQueue again = JournalQueue.openOrCreate(q)) {
            assertThat(again.id()).isEqualTo(id);
        }
        try (JournalQueue existing = JournalQueue.openExisting(q)) {
            assertThat(existing.id()).isEqualTo(id);
        }
        try (JournalQueue other = JournalQueue.openOrCreate(dir.resolve("other"))) {
            assertThat(other.id()).isNotEqualTo(id);
        }
    }

    @Test
    void openExistingOnANonQueueDirectoryIsAClearError() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(plain.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> JournalQueue.openExisting(plain))
                .isInstanceOf(QueueException.class)
                .hasMessageContaining("no teefs queue at " + plain)
                .hasMessageContaining(JournalQueue.ID_FILE);
        assertThatThrownBy(() -> JournalQueue.openExisting(dir.resolve("missing")))
                .isInstanceOf(QueueException.class).hasMessageContaining("no teefs queue");
        // nothing was created by the failed opens
        assertThat(Files.exists(dir.resolve("missing"))).isFalse();
        assertThat(plain.resolve(JournalQueue.ID_FILE)).doesNotExist();
    }

    @Test
    void corruptIdFileIsAClearError() throws Exception {
        Path q = Files.createDirectories(dir.resolve("q"));
        Files.writeString(q.resolve(JournalQueue.ID_FILE), "not-a-uuid\n");
        assertThatThrownBy(() -> JournalQueue.openExisting(q))
                .isInstanceOf(QueueException.class).hasMessageContaining("corrupt").hasMessageContaining("UUID");
    }

    @Test
    void cycleFilesWithoutAnIdAreNotAdopted() throws Exception {
        Path q = dir.resolve("q");
        try (JournalQueue queue = JournalQueue.openOrCreate(q);
             JournalAppender appender = queue.appender(NO_SYNC)) {
            appender.append(new UnsafeBuffer(new byte[16]), 0, 16);
        }
        Files.delete(q.resolve(JournalQueue.ID_FILE));
        assertThatThrownBy(() -> JournalQueue.openOrCreate(q))
                .isInstanceOf(QueueException.class).hasMessageContaining("not a teefs queue");
    }

    @Test
    void framesFromHeapDirectAndRawAddressBuffersReadBackIdentical() throws Exception {
        Random random = new Random(7);
        byte[] heap = bytes(random, 48);
        byte[] directBytes = bytes(random, 4096);
        byte[] rawBytes = bytes(random, 131072);
        ByteBuffer direct = ByteBuffer.allocateDirect(directBytes.length);
        direct.put(directBytes).clear();
        ByteBuffer rawOwner = ByteBuffer.allocateDirect(rawBytes.length + 8);
        UnsafeBuffer raw = new UnsafeBuffer(BufferUtil.address(rawOwner) + 8, rawBytes.length);
        raw.putBytes(0, rawBytes);
        byte[] head = bytes(random, 40);
        byte[] body = bytes(random, 4000);
        ByteBuffer bodyOwner = ByteBuffer.allocateDirect(body.length);
        UnsafeBuffer rawBody = new UnsafeBuffer(BufferUtil.address(bodyOwner), body.length);
        rawBody.putBytes(0, body);

        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalAppender appender = queue.appender(NO_SYNC);
             JournalReader reader = queue.reader()) {
            UnsafeBuffer heapView = new UnsafeBuffer(new byte[heap.length + 10]);
            heapView.putBytes(10, heap);
            long i0 = appender.append(heapView, 10, heap.length);
            long i1 = appender.append(new UnsafeBuffer(direct), 0, directBytes.length);
            long i2 = appender.append(raw, 0, rawBytes.length);
            long i3 = appender.append(new UnsafeBuffer(head), 0, head.length, rawBody, 0, body.length, 8);
            long i4 = appender.append(new UnsafeBuffer(head), 0, head.length, null, 0, 0, 0);
            assertThat(new long[] {i0, i1, i2, i3, i4}).isSorted().doesNotHaveDuplicates();
            assertThat(appender.lastIndexAppended()).isEqualTo(i4);
            assertThat(queue.firstIndex()).isEqualTo(i0);
            assertThat(queue.lastIndex()).isEqualTo(i4);
            assertThat(queue.cycleOf(i0)).isEqualTo(appender.cycle());

            Collected got = new Collected();
            assertThat(got.drain(reader)).isEqualTo(5);
            assertThat(got.indexes).containsExactly(i0, i1, i2, i3, i4);
            assertThat(got.frames.get(0)).isEqualTo(heap);
            assertThat(got.frames.get(1)).isEqualTo(directBytes);
            assertThat(got.frames.get(2)).isEqualTo(rawBytes);
            byte[] expected3 = new byte[head.length + body.length + 8];
            System.arraycopy(head, 0, expected3, 0, head.length);
            System.arraycopy(body, 0, expected3, head.length, body.length);
            assertThat(got.frames.get(3)).isEqualTo(expected3);
            assertThat(got.frames.get(4)).isEqualTo(head);
            assertThat(reader.readNext(got)).isFalse();
        }
        // and after reopening, from another queue object
        try (JournalQueue queue = JournalQueue.openExisting(dir.resolve("q"));
             JournalReader reader = queue.reader()) {
            Collected got = new Collected();
            assertThat(got.drain(reader)).isEqualTo(5);
            assertThat(got.frames.get(2)).isEqualTo(rawBytes);
        }
    }

    @Test
    void seekToAndSeekAfter() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalAppender appender = queue.appender(NO_SYNC);
             JournalReader reader = queue.reader()) {
            long[] index = new long[10];
            for (int i = 0; i < index.length; i++) {
                index[i] = appender.append(new UnsafeBuffer(new byte[] {(byte) i}), 0, 1);
            }
            Collected got = new Collected();

            assertThat(reader.seekTo(index[4])).isTrue();
            assertThat(reader.index()).isEqualTo(index[4]);
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(index[4]);
            assertThat(got.frames.get(0)).containsExactly(4);

            got = new Collected();
            assertThat(reader.seekAfter(index[6])).isTrue();
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(index[7]);

            // after the newest record: nothing more to read, until something is appended
            got = new Collected();
            assertThat(reader.seekAfter(index[9])).isTrue();
            assertThat(reader.readNext(got)).isFalse();
            long next = appender.append(new UnsafeBuffer(new byte[] {10}), 0, 1);
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(next);

            reader.toStart();
            got = new Collected();
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(index[0]);
            reader.toEnd();
            assertThat(reader.readNext(got)).isFalse();
        }
    }

    @Test
    void seekingToAnIndexThatIsNotRetainedReturnsFalseAndKeepsThePosition() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalAppender appender = queue.appender(NO_SYNC);
             JournalReader reader = queue.reader()) {
            long[] index = new long[5];
            for (int i = 0; i < index.length; i++) {
                index[i] = appender.append(new UnsafeBuffer(new byte[] {(byte) i}), 0, 1);
            }
            int cycle = queue.cycleOf(index[0]);
            long longAgo = QueueIndexes.ROLL_CYCLE.toIndex(cycle - 5, 0);
            long future = QueueIndexes.ROLL_CYCLE.toIndex(cycle + 5, 0);

            assertThat(reader.seekTo(index[2])).isTrue();
            for (long missing : new long[] {longAgo, future, index[4] + 100}) {
                assertThat(reader.seekTo(missing)).as("seekTo %x", missing).isFalse();
                assertThat(reader.seekAfter(missing)).as("seekAfter %x", missing).isFalse();
            }
            // seekAfter promises the position is unchanged after a false
            Collected got = new Collected();
            assertThat(reader.seekTo(index[2])).isTrue();
            assertThat(reader.seekAfter(longAgo)).isFalse();
            assertThat(reader.seekAfter(index[4] + 100)).isFalse();
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(index[2]);

            // at the end, a failed seek keeps the reader at the end: it sees the next append
            got = new Collected();
            assertThat(reader.seekAfter(index[4])).isTrue();
            assertThat(reader.seekTo(index[4] + 1)).isFalse();
            assertThat(reader.seekAfter(future)).isFalse();
            assertThat(reader.readNext(got)).isFalse();
            long next = appender.append(new UnsafeBuffer(new byte[] {5}), 0, 1);
            assertThat(reader.readNext(got)).isTrue();
            assertThat(got.indexes).containsExactly(next);
        }
    }

    @Test
    void aReaderFollowsLiveAppendsFromAnotherThread() throws Exception {
        int count = 2000;
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalReader reader = queue.reader()) {
            long[] appended = new long[count];
            Throwable[] failure = new Throwable[1];
            Thread writer = new Thread(() -> {
                try (JournalAppender appender = queue.appender(NO_SYNC)) {
                    UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
                    for (int i = 0; i < count; i++) {
                        frame.putInt(0, i);
                        appended[i] = appender.append(frame, 0, 16 + (i % 48));
                        if (i % 100 == 0) {
                            Thread.sleep(2);
                        }
                    }
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "test-writer");
            writer.start();

            Collected got = new Collected();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.indexes.size() < count && System.nanoTime() < deadline) {
                if (!reader.readNext(got)) {
                    Thread.onSpinWait();
                }
            }
            writer.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(failure[0]).isNull();
            assertThat(got.indexes).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(got.indexes.get(i)).isEqualTo(appended[i]);
                assertThat(new UnsafeBuffer(got.frames.get(i)).getInt(0)).isEqualTo(i);
                assertThat(got.frames.get(i)).hasSize(16 + (i % 48));
            }
        }
    }

    @Test
    void aReserveAboveTheFreeSpaceRefusesTheAppendAndWritesNothing() throws Exception {
        long free = Files.getFileStore(dir).getUsableSpace();
        AppendOptions greedy = new AppendOptions(SyncLevel.NONE, 100, free + (1L << 40));
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalReader reader = queue.reader()) {
            try (JournalAppender appender = queue.appender(greedy)) {
                assertThatThrownBy(() -> appender.reserve(1))
                        .isInstanceOf(QueueFullException.class)
                        .hasMessageContaining("below the reserve")
                        .hasMessageContaining(dir.resolve("q").toString());
                // an append without a reservation makes its own, of the whole window: there is no room for it
                assertThatThrownBy(() -> appender.append(new UnsafeBuffer(new byte[16]), 0, 16))
                        .isInstanceOf(QueueFullException.class)
                        .hasMessageContaining(dir.resolve("q").toString());
            }
            assertThat(queue.lastIndex()).isEqualTo(-1);
            assertThat(reader.readNext(new Collected())).isFalse();
            // the same queue takes appends with a sane reserve
            try (JournalAppender appender = queue.appender(NO_SYNC)) {
                long index = appender.append(new UnsafeBuffer(new byte[16]), 0, 16);
                assertThat(queue.lastIndex()).isEqualTo(index);
            }
        }
    }

    @Test
    void everySyncLevelAppendsAndReadsBack() throws Exception {
        for (SyncLevel level : SyncLevel.values()) {
            Path q = dir.resolve(level.name());
            try (JournalQueue queue = JournalQueue.openOrCreate(q)) {
                try (JournalAppender appender = queue.appender(new AppendOptions(level, 5, 0))) {
                    for (int i = 0; i < 50; i++) {
                        appender.append(new UnsafeBuffer(new byte[] {(byte) i, 1, 2, 3}), 0, 4);
                    }
                    if (level == SyncLevel.BATCH) {
                        Thread.sleep(30); // let the flusher run at least once
                    }
                    appender.sync();
                }
                try (JournalReader reader = queue.reader()) {
                    Collected got = new Collected();
                    assertThat(got.drain(reader)).as(level.name()).isEqualTo(50);
                    assertThat(got.frames.get(49)).containsExactly(49, 1, 2, 3);
                }
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.getName().equals("teefs-queue-flusher") && t.isAlive());
    }

    @Test
    void framesUpToTheLargestRecordRoundTrip() throws Exception {
        int max = teefs.protocol.RecordHeader.MAX_RECORD_LENGTH;
        Random random = new Random(3);
        try (JournalQueue queue = JournalQueue.openOrCreate(dir.resolve("q"));
             JournalAppender appender = queue.appender(NO_SYNC);
             JournalReader reader = queue.reader()) {
            int[] sizes = {max, max - 16, 1 << 20, 16};
            byte[][] frames = new byte[sizes.length][];
            for (int i = 0; i < sizes.length; i++) {
                frames[i] = bytes(random, sizes[i]);
                ByteBuffer direct = ByteBuffer.allocateDirect(sizes[i]);
                direct.put(frames[i]).clear();
                appender.append(new UnsafeBuffer(direct), 0, sizes[i]);
            }
            Collected got = new Collected();
            assertThat(got.drain(reader)).isEqualTo(sizes.length);
            for (int i = 0; i < sizes.length; i++) {
                assertThat(got.frames.get(i)).isEqualTo(frames[i]);
            }
        }
    }

    @Test
    void syncLevelParsing() {
        assertThat(SyncLevel.parse(" Batch ")).isEqualTo(SyncLevel.BATCH);
        assertThatThrownBy(() -> SyncLevel.parse("sometimes"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none, batch or always");
        assertThatThrownBy(() -> new AppendOptions(null, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AppendOptions(SyncLevel.NONE, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AppendOptions(SyncLevel.NONE, 1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(AppendOptions.defaults().sync()).isEqualTo(SyncLevel.BATCH);
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
