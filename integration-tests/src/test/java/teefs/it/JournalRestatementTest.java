package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.replay.QueueReplayer;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.protocol.RecordDecoder;
import teefs.queue.JournalQueue;
import teefs.queue.JournalReader;

/**
 * journal-fs restates its open handles every few thousand records, not only once an hour, so a reader that starts
 * at an index rebuilds its handles from a few thousand records. The restatements come in the middle of writes to
 * files that stay open, are renamed with their directory, and are unlinked while open; a replay split at each of
 * them (and just after, and at random indexes) into two replayers that share nothing but the target ends identical
 * to STORE.
 */
@Timeout(300)
class JournalRestatementTest {
    @TempDir
    Path root;

    @Test
    void aReplaySplitAtAnyRestatementOrIndexEndsIdenticalToStore() throws Exception {
        Fuse.assumeAvailable();
        try (JournalFixture j = new JournalFixture(root.resolve("j"))) {
            j.start();
            writeWithFilesOpen(j.mount);
            j.stop();

            List<Long> indexes = new ArrayList<>();
            List<Long> restatements = new ArrayList<>();
            try (JournalQueue queue = JournalQueue.openExisting(j.queue); JournalReader reader = queue.reader()) {
                while (reader.readNext((index, buffer, offset, length) -> {
                    indexes.add(index);
                    if (RecordDecoder.beginsRestatement(buffer, offset, length)) {
                        restatements.add(index);
                    }
                })) {
                    // every record
                }
            }
            assertThat(restatements).as("the session's CHECKPOINT and at least two restatements during the writes "
                    + "(%d records)", indexes.size()).hasSizeGreaterThanOrEqualTo(3);

            TreeSet<Integer> splits = new TreeSet<>();
            for (long r : restatements.subList(1, restatements.size())) {
                int at = indexes.indexOf(r);
                splits.add(at);
                splits.add(at + 1);
            }
            Random random = new Random(7);
            for (int i = 0; i < 4; i++) {
                splits.add(1 + random.nextInt(indexes.size() - 1));
            }
            try (JournalQueue queue = JournalQueue.openExisting(j.queue)) {
                for (int split : splits) {
                    Path target = Files.createDirectories(root.resolve("split-" + split));
                    try (ApplyEngine engine = ApplyEngine.open(target)) {
                        new QueueReplayer(queue, engine, null).replay(-1, indexes.get(split - 1));
                    }
                    try (ApplyEngine engine = ApplyEngine.open(target)) {
                        new QueueReplayer(queue, engine, null).replay(indexes.get(split), Long.MAX_VALUE);
                    }
                    assertThat(new TreeVerifier(VerifyOptions.full()).compare(j.store, target))
                            .as("replay split before record %d of %d", split, indexes.size()).isEmpty();
                }
            }
        }
    }

    /**
     * About 9,000 records: 100-byte writes to three files held open, small files created now and then, the open
     * files' directory renamed, one of them unlinked while open and written on.
     */
    private static void writeWithFilesOpen(Path mount) throws Exception {
        Files.createDirectories(mount.resolve("d1"));
        ByteBuffer chunk = ByteBuffer.allocate(100);
        try (FileChannel a = open(mount.resolve("d1/a")); FileChannel b = open(mount.resolve("d1/b"));
             FileChannel c = open(mount.resolve("c"))) {
            for (int i = 0; i < 3000; i++) {
                for (FileChannel f : new FileChannel[] {a, b, c}) {
                    chunk.clear();
                    chunk.put(0, (byte) i).put(99, (byte) (i >> 8));
                    f.write(chunk, i * 100L);
                }
                if (i % 300 == 0) {
                    Files.writeString(mount.resolve("small-" + i), "file " + i, StandardCharsets.UTF_8);
                }
                if (i == 1000) {
                    Files.move(mount.resolve("d1"), mount.resolve("d2"));
                }
                if (i == 2000) {
                    Files.delete(mount.resolve("d2/b"));
                }
            }
        }
    }

    private static FileChannel open(Path p) throws Exception {
        return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
