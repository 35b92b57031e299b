package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads through the mount return STORE's bytes: journal-fs answers reads with a buffer naming STORE's descriptor,
 * which libfuse splices to /dev/fuse (large reads) or preads (reads under two pages). Sequential reads with the
 * mount's page cache cold, positional reads of every size class at random offsets, reads that cross the end of the
 * file or start past it, a file that grows and shrinks between reads, and a file unlinked while open.
 */
@Timeout(120)
class JournalReadsTest {
    @TempDir
    Path root;

    @Test
    void readsOfEverySizeAndOffsetReturnStoresBytes() throws Exception {
        Fuse.assumeAvailable();
        try (JournalFixture j = new JournalFixture(root.resolve("j"))) {
            j.start();
            Random random = new Random(42);
            byte[] content = new byte[40 << 20 | 12_345];
            random.nextBytes(content);
            Files.write(j.store.resolve("big"), content);
            // written straight to STORE: the mount's page cache has never seen it, every read crosses FUSE
            assertThat(Files.readAllBytes(j.mount.resolve("big"))).isEqualTo(content);

            int[] sizes = {1, 100, 4095, 4096, 8191, 8192, 65_536, 131_072, 200_000, 1 << 20};
            try (FileChannel mounted = FileChannel.open(j.mount.resolve("big"), StandardOpenOption.READ)) {
                for (int i = 0; i < 400; i++) {
                    int size = sizes[random.nextInt(sizes.length)];
                    long offset = random.nextInt(content.length + 300_000);
                    ByteBuffer got = ByteBuffer.allocate(size);
                    int n = readFully(mounted, got, offset);
                    int expected = (int) Math.max(0, Math.min(size, content.length - offset));
                    assertThat(n).as("bytes read at %d of %d", offset, size).isEqualTo(expected);
                    for (int k = 0; k < n; k++) {
                        if (got.get(k) != content[(int) offset + k]) {
                            throw new AssertionError("byte " + (offset + k) + " differs (read of " + size + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aFileThatChangesOrIsUnlinkedWhileOpenReadsAsStoreHasIt() throws Exception {
        Fuse.assumeAvailable();
        try (JournalFixture j = new JournalFixture(root.resolve("j"))) {
            j.start();
            Path file = j.mount.resolve("f");
            byte[] first = new byte[3 << 20];
            new Random(1).nextBytes(first);
            Files.write(file, first);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                byte[] got = new byte[first.length];
                raf.readFully(got);
                assertThat(got).isEqualTo(first);
                raf.setLength(1 << 20); // shrinks: reads past the new end see nothing
                raf.seek(0);
                assertThat(raf.read(new byte[2 << 20])).isEqualTo(1 << 20);
                Files.delete(file); // open, unlinked: still readable through the handle
                raf.seek(500_000);
                byte[] tail = new byte[300_000];
                raf.readFully(tail);
                byte[] expected = new byte[300_000];
                System.arraycopy(first, 500_000, expected, 0, expected.length);
                assertThat(tail).isEqualTo(expected);
            }
            j.stop();
            j.assertReplayMatchesStore();
        }
    }

    private static int readFully(FileChannel channel, ByteBuffer into, long offset) throws Exception {
        int total = 0;
        while (into.hasRemaining()) {
            int n = channel.read(into, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
