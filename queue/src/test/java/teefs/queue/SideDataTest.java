package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;

/**
 * Large WRITEs from native memory keep their data in a side file; every reader must still see exactly the inline
 * frame (same bytes, valid CRC), across queue instances and restarts, and a lost side file must be reported.
 */
@Timeout(60)
class SideDataTest {
    @TempDir
    Path dir;

    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64));

    /** Appends a WRITE the way journal-fs does (head + native data + padding); returns the inline frame expected. */
    private byte[] appendWrite(JournalAppender appender, int handle, long offset, byte[] payload) {
        UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(payload.length));
        data.putBytes(0, payload);
        int headLength = encoder.wrap(head, 0).writeHead(handle, offset, 1_700_000_000L, 5, data, 0, payload.length);
        appender.append(head, 0, headLength, data, 0, payload.length,
                RecordHeader.paddingFor(headLength + payload.length));
        UnsafeBuffer inline = new UnsafeBuffer(new byte[RecordEncoder.writeFrameLength(payload.length)]);
        encoder.wrap(inline, 0).write(handle, offset, 1_700_000_000L, 5, payload);
        return inline.byteArray();
    }

    private static List<byte[]> readAll(JournalQueue queue) {
        List<byte[]> frames = new ArrayList<>();
        try (JournalReader reader = queue.reader()) {
            while (reader.readNext((index, buffer, offset, length) -> {
                byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                frames.add(copy);
            })) {
                // read to the end
            }
        }
        return frames;
    }

    private static AppendOptions options() {
        return new AppendOptions(SyncLevel.BATCH, 10, 0);
    }

    @Test
    void largeWritesReadBackAsTheirExactInlineFramesWithValidCrc() throws Exception {
        Random random = new Random(42);
        List<byte[]> expected = new ArrayList<>();
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            for (int size : new int[] {100, 32 * 1024 - 1, 32 * 1024, 65_536, 131_072, 1 << 20, 5, 200_000}) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                expected.add(appendWrite(appender, 3, size * 7L, payload));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(DataLog.SUFFIX))).hasSize(1);
        }
        // a fresh queue instance reads them, as another process (the broadcaster) would
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            List<byte[]> frames = readAll(queue);
            assertThat(frames).hasSize(expected.size());
            RecordDecoder decoder = new RecordDecoder();
            for (int i = 0; i < frames.size(); i++) {
                assertThat(frames.get(i)).as("frame %d", i).isEqualTo(expected.get(i));
                decoder.wrap(new UnsafeBuffer(frames.get(i)), 0, frames.get(i).length);
            }
        }
    }

    /** A consumer that lends its own native memory for side-data frames (as the broadcaster's batch writer does). */
    private static final class LendingConsumer implements FrameSpace {
        final UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(4 << 20));
        final List<byte[]> frames = new ArrayList<>();
        final List<String> how = new ArrayList<>();
        final boolean decline;
        int reservedAt = -1;

        LendingConsumer(boolean decline) {
            this.decline = decline;
        }

        @Override
        public void accept(long index, org.agrona.DirectBuffer buffer, int offset, int length) {
            byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            frames.add(copy);
            how.add("accept");
        }

        @Override
        public long reserve(long index, int length) {
            if (decline) {
                return 0;
            }
            reservedAt = 4096; // not at the start: the reader must write where it is told
            memory.setMemory(reservedAt, length, (byte) 0x5A);
            return memory.addressOffset() + reservedAt;
        }

        @Override
        public void commit(long index, int length) {
            byte[] copy = new byte[length];
            memory.getBytes(reservedAt, copy);
            frames.add(copy);
            how.add("lent");
        }
    }

    @Test
    void aConsumerThatLendsMemoryGetsSideDataFramesBuiltInItAndInlineOnesAsUsual() throws Exception {
        Random random = new Random(7);
        List<byte[]> expected = new ArrayList<>();
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            for (int size : new int[] {100, 40_000, 65_536, 1 << 20, 9, 33_333}) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                expected.add(appendWrite(appender, 4, size, payload));
            }
        }
        for (boolean decline : new boolean[] {false, true}) {
            LendingConsumer consumer = new LendingConsumer(decline);
            try (JournalQueue queue = JournalQueue.openExisting(dir); JournalReader reader = queue.reader()) {
                while (reader.readNext(consumer)) {
                    // read to the end
                }
            }
            assertThat(consumer.frames).as("decline=%s", decline).containsExactlyElementsOf(expected);
            assertThat(consumer.how).as("decline=%s", decline).containsExactlyElementsOf(decline
                    ? List.of("accept", "accept", "accept", "accept", "accept", "accept")
                    : List.of("accept", "lent", "lent", "lent", "accept", "lent"));
        }
    }

    @Test
    void appendsAfterARestartContinueTheSideFileAndEverythingStaysReadable() throws Exception {
        byte[] first = new byte[100_000];
        byte[] second = new byte[70_000];
        new Random(1).nextBytes(first);
        new Random(2).nextBytes(second);
        byte[] expectFirst;
        byte[] expectSecond;
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            expectFirst = appendWrite(appender, 1, 0, first);
        }
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            expectSecond = appendWrite(appender, 2, 100_000, second);
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            assertThat(readAll(queue)).containsExactly(expectFirst, expectSecond);
        }
    }

    @Test
    void blocksAllocatedAheadOfTheSideDataAreGivenBackWhenTheAppenderCloses() throws Exception {
        byte[] payload = new byte[100_000];
        new Random(3).nextBytes(payload);
        byte[] expected;
        Path side;
        teefs.posix.Stat stat = new teefs.posix.Stat();
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            expected = appendWrite(appender, 1, 0, payload);
            try (Stream<Path> files = Files.list(dir)) {
                side = files.filter(p -> p.toString().endsWith(DataLog.SUFFIX)).findFirst().orElseThrow();
            }
            assertThat(stat.lstat(side.toString())).isZero();
            assumeTrue(stat.blocks() * 512 > DataLog.PREALLOCATE_BYTES / 2,
                    "this filesystem does not allocate ahead (no fallocate)");
            assertThat(stat.size()).isEqualTo(payload.length);
        }
        assertThat(stat.lstat(side.toString())).isZero();
        assertThat(stat.size()).isEqualTo(payload.length);
        assertThat(stat.blocks() * 512).as("allocated after close").isLessThan(payload.length + (1L << 20));
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            assertThat(readAll(queue)).containsExactly(expected);
        }
    }

    @Test
    void aMissingSideFileIsReportedWithTheIndexAndTheFile() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            appendWrite(appender, 1, 0, new byte[50_000]);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(DataLog.SUFFIX)).toList()) {
                Files.delete(p);
            }
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir); JournalReader reader = queue.reader()) {
            assertThatThrownBy(() -> reader.readNext((index, buffer, offset, length) -> { }))
                    .isInstanceOf(QueueException.class)
                    .hasMessageContaining(DataLog.SUFFIX).hasMessageContaining("cannot be opened");
        }
    }

    @Test
    void aTruncatedSideFileFailsLoudlyInsteadOfHandingOverShortData() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            appendWrite(appender, 1, 0, new byte[50_000]);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(DataLog.SUFFIX)).toList()) {
                try (var channel = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                    channel.truncate(10_000);
                }
            }
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir); JournalReader reader = queue.reader()) {
            assertThatThrownBy(() -> reader.readNext((index, buffer, offset, length) -> { }))
                    .isInstanceOf(QueueException.class).hasMessageContaining("ends early");
        }
    }

    @Test
    void stagedDataIsWrittenOnceAndItsRecordReadsBackExactly() throws Exception {
        byte[] payload = new byte[100_000];
        new Random(7).nextBytes(payload);
        UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(payload.length));
        data.putBytes(0, payload);
        byte[] expected;
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            // journal-fs stages the data before it changes STORE, then appends the record
            appender.stageSideData(data.addressOffset(), payload.length);
            int headLength = encoder.wrap(head, 0).writeHead(4, 0, 1_700_000_000L, 5, data, 0, payload.length);
            appender.append(head, 0, headLength, data, 0, payload.length,
                    RecordHeader.paddingFor(headLength + payload.length));
            UnsafeBuffer inline = new UnsafeBuffer(new byte[RecordEncoder.writeFrameLength(payload.length)]);
            encoder.wrap(inline, 0).write(4, 0, 1_700_000_000L, 5, payload);
            expected = inline.byteArray();
        }
        try (Stream<Path> files = Files.list(dir)) {
            Path side = files.filter(p -> p.toString().endsWith(DataLog.SUFFIX)).findFirst().orElseThrow();
            assertThat(Files.size(side)).as("staged data is not written a second time").isEqualTo(payload.length);
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            assertThat(readAll(queue)).containsExactly(expected);
        }
    }

    @Test
    void aWriteStoreTookShortRefersToThePrefixOfItsStagedData() throws Exception {
        byte[] payload = new byte[128 * 1024];
        new Random(11).nextBytes(payload);
        int taken = 80_000; // STORE's pwrite took fewer bytes than asked (its disk filled up)
        UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(payload.length));
        data.putBytes(0, payload);
        byte[] expected;
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            appender.reserve(payload.length);
            appender.stageSideData(data.addressOffset(), payload.length);
            int headLength = encoder.wrap(head, 0).writeHead(4, 0, 1_700_000_000L, 5, data, 0, taken);
            appender.append(head, 0, headLength, data, 0, taken, RecordHeader.paddingFor(headLength + taken));
            UnsafeBuffer inline = new UnsafeBuffer(new byte[RecordEncoder.writeFrameLength(taken)]);
            encoder.wrap(inline, 0).write(4, 0, 1_700_000_000L, 5, java.util.Arrays.copyOf(payload, taken));
            expected = inline.byteArray();
        }
        try (Stream<Path> files = Files.list(dir)) {
            Path side = files.filter(p -> p.toString().endsWith(DataLog.SUFFIX)).findFirst().orElseThrow();
            assertThat(Files.size(side)).as("the data is not written again after STORE changed")
                    .isEqualTo(payload.length);
        }
        try (JournalQueue queue = JournalQueue.openExisting(dir)) {
            assertThat(readAll(queue)).containsExactly(expected);
        }
    }

    @Test
    void heapBodiesAndSmallWritesStayInline() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir); JournalAppender appender = queue.appender(options())) {
            appendWrite(appender, 1, 0, new byte[1000]);
            UnsafeBuffer heap = new UnsafeBuffer(new byte[RecordEncoder.writeFrameLength(100_000)]);
            int length = encoder.wrap(heap, 0).write(1, 0, 1, 1, new byte[100_000]);
            appender.append(heap, 0, length);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(DataLog.SUFFIX))).isEmpty();
        }
    }

}
