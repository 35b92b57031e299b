package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.posix.Stat;

/**
 * The appender keeps the blocks it will write next allocated ({@link SpaceReservation}) in the cycle file the clock
 * is held in ({@link CycleClock}): a new cycle's file is reserved before Chronicle creates it, the reservation moves
 * ahead as the file fills, and what the appender has left behind is given back. On any filesystem with fallocate
 * (the temp directory here); the full-disk behaviour is {@link FullDiskAppendTest}.
 */
@Timeout(60)
class SpaceReservationTest {
    private static final long HOUR = 3_600_000L;
    /** 2030-01-01 10:00 UTC, plus ten minutes: an arbitrary, fixed hour. */
    private static final long TEN_PAST = 1_893_492_000_000L + 600_000L;
    private static final long WINDOW = SpaceReservation.MIN_WINDOW;
    private static final AppendOptions OPTIONS = new AppendOptions(SyncLevel.NONE, 100, WINDOW);

    @TempDir
    Path dir;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);

    private static long allocated(Path file) {
        Stat stat = new Stat();
        assertThat(stat.lstat(file.toString())).as("stat %s", file).isZero();
        return stat.blocks() * 512;
    }

    private static long precreatedFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(SpaceReservation.PRECREATED_SUFFIX)).count();
        }
    }

    @Test
    void aNewCycleFileIsReservedBeforeChronicleCreatesItAndKeepsItsBlocksOnceCreated() throws Exception {
        AtomicLong wall = new AtomicLong(TEN_PAST);
        try (JournalQueue queue = JournalQueue.openOrCreate(dir, wall::get);
             JournalAppender appender = queue.appender(OPTIONS)) {
            int cycle = queue.clock().wallCycle();
            Path file = queue.cycleFile(cycle);
            appender.reserve(1024);
            assertThat(file).doesNotExist();
            Path precreated = SpaceReservation.precreated(file);
            assertThat(Files.size(precreated)).as("reserved without a length: Chronicle sizes the file").isZero();
            assertThat(allocated(precreated)).isGreaterThanOrEqualTo(WINDOW);

            long index = appender.append(frame, 0, frame.capacity());
            assertThat(queue.cycleOf(index)).isEqualTo(cycle);
            assertThat(precreated).as("Chronicle renamed it into place").doesNotExist();
            assertThat(Files.size(file)).as("Chronicle's own chunked length").isGreaterThan(WINDOW);
            assertThat(allocated(file)).isGreaterThanOrEqualTo(WINDOW);
        }
    }

    @Test
    void theReservationMovesAheadOnlyWhenLessThanHalfTheWindowIsLeft() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir, () -> TEN_PAST);
             JournalAppender appender = queue.appender(OPTIONS)) {
            appender.reserve(1024);
            appender.append(frame, 0, frame.capacity());
            Path file = queue.cycleFile(queue.currentCycle());
            long first = allocated(file);
            long appended = 0;
            // well under half the window: no new blocks
            while (appended < WINDOW / 4) {
                appender.reserve(1024);
                appender.append(frame, 0, frame.capacity());
                appended += frame.capacity();
            }
            assertThat(allocated(file)).isEqualTo(first);
            // past half of it: the next reservation allocates a window ahead again
            while (appended < WINDOW) {
                appender.reserve(1024);
                appender.append(frame, 0, frame.capacity());
                appended += frame.capacity();
            }
            assertThat(allocated(file)).isGreaterThan(first).isGreaterThanOrEqualTo(appended + WINDOW / 2);
        }
    }

    @Test
    void theClockStaysInTheReservedCycleUntilTheNextReservationMovesItOn() throws Exception {
        AtomicLong wall = new AtomicLong(TEN_PAST);
        try (JournalQueue queue = JournalQueue.openOrCreate(dir, wall::get);
             JournalAppender appender = queue.appender(OPTIONS);
             JournalReader reader = queue.reader()) {
            int first = queue.clock().wallCycle();
            appender.reserve(1024);
            long a = appender.append(frame, 0, frame.capacity());
            Path firstFile = queue.cycleFile(first);

            // the hour changes between a reservation and its appends: they still go to the reserved cycle
            wall.addAndGet(HOUR);
            assertThat(queue.currentCycle()).isEqualTo(first);
            long b = appender.append(frame, 0, frame.capacity());
            assertThat(queue.cycleOf(b)).isEqualTo(first);
            assertThat(queue.cycleFile(first + 1)).doesNotExist();

            // the next reservation prepares the new cycle's file and lets appends into it
            appender.reserve(1024);
            assertThat(queue.currentCycle()).isEqualTo(first + 1);
            assertThat(SpaceReservation.precreated(queue.cycleFile(first + 1))).exists();
            long c = appender.append(frame, 0, frame.capacity());
            assertThat(queue.cycleOf(c)).isEqualTo(first + 1);
            assertThat(precreatedFiles(dir)).isZero();

            // the file left behind gave back its reservation beyond its data
            assertThat(allocated(firstFile)).isLessThan(WINDOW / 2);
            Collected got = new Collected();
            assertThat(got.drain(reader)).isEqualTo(3);
            assertThat(got.indexes).containsExactly(a, b, c);
        }
    }

    @Test
    void aCleanStopGivesBackTheReservationAndTheNextStartTakesItAgain() throws Exception {
        Path file;
        try (JournalQueue queue = JournalQueue.openOrCreate(dir, () -> TEN_PAST);
             JournalAppender appender = queue.appender(OPTIONS)) {
            appender.reserve(1024);
            appender.append(frame, 0, frame.capacity());
            file = queue.cycleFile(queue.currentCycle());
            assertThat(allocated(file)).isGreaterThanOrEqualTo(WINDOW);
        }
        assertThat(allocated(file)).isLessThan(WINDOW / 2);
        // a .precreated file left by a killed appender is not left to hold space
        Files.write(dir.resolve("20300101-11F" + SpaceReservation.PRECREATED_SUFFIX), new byte[8192]);
        try (JournalQueue queue = JournalQueue.openOrCreate(dir, () -> TEN_PAST);
             JournalAppender appender = queue.appender(OPTIONS)) {
            assertThat(precreatedFiles(dir)).isZero();
            appender.reserve(1024);
            assertThat(allocated(file)).isGreaterThanOrEqualTo(WINDOW);
            appender.append(frame, 0, frame.capacity());
            try (JournalReader reader = queue.reader()) {
                assertThat(new Collected().drain(reader)).isEqualTo(2);
            }
        }
    }
}
