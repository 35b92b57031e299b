package teefs.mirror.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.mirror.apply.ApplyEngine;
import teefs.posix.Stat;
import teefs.protocol.RecordEncoder;

/**
 * After a bootstrap's rsync passes, restates every directory's times from the local source onto TARGET.
 *
 * <p>Why: rsync sets a directory's times only at the end of a pass, and skips that in a pass where source files
 * vanished (exit 24) — measured with rsync 3.5.0: under a busy writer every pass vanishes some file, and 311 of 374
 * directories kept the time rsync created them at. Records replayed after the head index fix the directories they
 * touch; a directory nothing touches afterwards would keep the wrong time forever.
 *
 * <p>The times go through the {@link ApplyEngine} as UTIMENS records, so TARGET's confinement rules apply (no
 * symlink is followed). Directories are visited after their contents. A directory that vanished meanwhile is
 * skipped: the journal after the head index says what became of it.
 */
final class DirectoryTimes {
    private DirectoryTimes() {
    }

    /** Returns the number of directories whose times were restated. */
    static int restate(Path source, Path target) throws IOException {
        RecordEncoder encoder = new RecordEncoder();
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[16 * 1024]);
        Stat stat = new Stat();
        int[] count = {0};
        try (ApplyEngine engine = ApplyEngine.open(target, false)) {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) {
                    String rel = source.relativize(dir).toString();
                    if (stat.lstat(dir.toString()) != 0 || !stat.isDirectory()
                            || !Files.isDirectory(target.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                        return FileVisitResult.CONTINUE;
                    }
                    int length = encoder.wrap(buffer, 0).utimens(stat.atimeSec(), stat.atimeNsec(), stat.mtimeSec(),
                            stat.mtimeNsec(), rel.getBytes(StandardCharsets.UTF_8));
                    engine.apply(-1, buffer, 0, length);
                    count[0]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) {
                    return FileVisitResult.CONTINUE; // vanished under a writer: the journal settles it
                }
            });
        }
        return count[0];
    }
}
