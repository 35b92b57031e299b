package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import teefs.posix.Posix;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The queue's disk fills up right after a reservation (another process takes every free block): the appends that
 * follow land on reserved blocks and never fault; the next reservation is refused with {@link QueueFullException};
 * a new hour's file cannot be prepared and appends stay in the reserved cycle; once space is freed everything moves
 * on, and every record reads back. A control shows the same full disk faults an append that has no reservation.
 *
 * <p>On a small tmpfs and a small ext4 (loop device), so it needs root; skipped otherwise.
 */
@Timeout(120)
class FullDiskAppendTest {
    private static final long HOUR = 3_600_000L;
    private static final long TEN_PAST = 1_893_492_000_000L + 600_000L;
    private static final long WINDOW = 8L << 20;

    @TempDir
    Path tmp;
    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", "-l", mounted.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tmpfs", "ext4"})
    void appendsAfterTheReservationNeverFaultAndFreeingSpaceIsAllItTakes(String fs) throws Exception {
        Path root = mountSmall(fs);
        Path filler = root.resolve("filler");
        AtomicLong wall = new AtomicLong(TEN_PAST);
        UnsafeBuffer frame = new UnsafeBuffer(new byte[1000]);
        int appended = 0;
        try (JournalQueue queue = JournalQueue.openOrCreate(root.resolve("q"), wall::get);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, WINDOW));
             JournalQueue control = JournalQueue.openOrCreate(root.resolve("control"));
             ExcerptAppender raw = control.chronicle().createAppender()) {
            int first = queue.clock().wallCycle();
            appender.reserve(WINDOW / 2);
            appender.append(frame, 0, frame.capacity());
            appended++;
            try (DocumentContext dc = raw.writingDocument()) {
                dc.wire().bytes().write(new byte[100]);
            }

            fill(filler);
            assertThat(Files.getFileStore(root).getUsableSpace()).isLessThan(64 << 10);

            // everything the reservation covers can be appended on the full disk
            for (long bytes = 0; bytes < WINDOW / 2; bytes += frame.capacity()) {
                appender.append(frame, 0, frame.capacity());
                appended++;
            }
            // the next mutation is refused before it changes anything
            long last = queue.lastIndex();
            assertThatThrownBy(() -> appender.reserve(1024)).isInstanceOf(QueueFullException.class);
            assertThat(queue.lastIndex()).isEqualTo(last);

            // a new hour while the disk is full: its file cannot be prepared, appends stay in the reserved cycle
            wall.addAndGet(HOUR);
            assertThatThrownBy(() -> appender.reserve(1024)).isInstanceOf(QueueFullException.class);
            long stayed = appender.append(frame, 0, frame.capacity());
            appended++;
            assertThat(queue.cycleOf(stayed)).isEqualTo(first);

            // control: without a reservation, the same disk makes an append fault inside the mapping
            assertThatThrownBy(() -> {
                for (int i = 0; i < 10_000; i++) {
                    try (DocumentContext dc = raw.writingDocument()) {
                        dc.wire().bytes().write(new byte[4096]);
                    }
                }
            }).hasStackTraceContaining("InternalError");

            // space comes back: no restart, the next reservation moves on into the new hour
            Files.delete(filler);
            appender.reserve(1024);
            long moved = appender.append(frame, 0, frame.capacity());
            appended++;
            assertThat(queue.cycleOf(moved)).isEqualTo(first + 1);

            // and the new hour's reservation holds on a full disk too
            fill(filler);
            for (long bytes = 0; bytes < WINDOW / 4; bytes += frame.capacity()) {
                appender.append(frame, 0, frame.capacity());
                appended++;
            }
            Files.delete(filler);
        }
        try (JournalQueue queue = JournalQueue.openExisting(root.resolve("q"));
             JournalReader reader = queue.reader()) {
            assertThat(new Collected().drain(reader)).isEqualTo(appended);
        }
    }

    /** Writes {@code filler} until the filesystem refuses, then squeezes in what is left in smaller pieces. */
    private static void fill(Path filler) {
        byte[] chunk = new byte[1 << 20];
        for (int size = chunk.length; size >= 512; size /= 4) {
            try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                while (true) {
                    out.write(chunk, 0, size);
                    out.flush();
                }
            } catch (IOException full) {
                // ENOSPC: smaller pieces next
            }
        }
    }

    private Path mountSmall(String fs) throws Exception {
        assumeTrue(Posix.isRoot(), "needs root to mount a small filesystem");
        Path dir = Files.createDirectories(tmp.resolve(fs));
        if (fs.equals("tmpfs")) {
            assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=48m", "teefs-full-disk", dir.toString()) == 0,
                    "cannot mount a tmpfs");
        } else {
            Path image = tmp.resolve("ext4.img");
            try (var f = Files.newByteChannel(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                f.truncate(0).position((64L << 20) - 1).write(java.nio.ByteBuffer.allocate(1));
            }
            assumeTrue(run("mkfs.ext4", "-q", "-F", image.toString()) == 0, "no mkfs.ext4");
            assumeTrue(run("mount", "-o", "loop", image.toString(), dir.toString()) == 0, "cannot loop-mount");
        }
        mounted = dir;
        return dir;
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
