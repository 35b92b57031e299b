package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.testing.Journal;
import teefs.posix.Posix;

/**
 * The engine keeps the directories it walked to open ({@link DirectoryCache}): a record after a rename, an exchange
 * or a removal of a directory must land in the directory its path names now, never in one a kept descriptor still
 * points at.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DirectoryReuseTest {
    @TempDir
    Path tmp;
    Path target;
    ApplyEngine engine;

    @BeforeEach
    void open() throws IOException {
        target = Files.createDirectory(tmp.resolve("target"));
        engine = ApplyEngine.open(target);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void aDirectoryRenamedOverAnEmptyOneReceivesTheNamesMadeInItAfter() {
        new Journal().mkdir("b", 0755).create(0, "b/gone", 0644).unlink("b/gone")
                .mkdir("a", 0755).create(0, "a/f", 0644)
                .rename("a", "b")
                .create(0, "b/g", 0644)
                .applyTo(engine);
        assertThat(target.resolve("b/f")).isRegularFile();
        assertThat(target.resolve("b/g")).isRegularFile();
        assertThat(target.resolve("a")).doesNotExist();
    }

    @Test
    void exchangedDirectoriesEachReceiveTheNamesMadeUnderTheirNewName() {
        new Journal().mkdir("x", 0755).mkdir("x/deep", 0755).create(0, "x/deep/from-x", 0644)
                .mkdir("y", 0755).mkdir("y/deep", 0755).create(0, "y/deep/from-y", 0644)
                .rename(Posix.RENAME_EXCHANGE, "x", "y")
                .create(0, "x/deep/after", 0644).create(0, "y/after", 0644)
                .applyTo(engine);
        assertThat(target.resolve("x/deep/from-y")).isRegularFile();
        assertThat(target.resolve("x/deep/after")).isRegularFile();
        assertThat(target.resolve("y/deep/from-x")).isRegularFile();
        assertThat(target.resolve("y/after")).isRegularFile();
        assertThat(target.resolve("y/deep/after")).doesNotExist();
    }

    @Test
    void aNameMadeAgainAfterItsDirectoryMovedAwayIsTheNewDirectory() {
        new Journal().mkdir("d", 0755).mkdir("d/e", 0755).create(0, "d/e/1", 0644)
                .rename("d", "moved")
                .mkdir("d", 0755).mkdir("d/e", 0755).create(0, "d/e/2", 0644).create(0, "moved/e/3", 0644)
                .applyTo(engine);
        assertThat(target.resolve("d/e").toFile().list()).containsExactly("2");
        assertThat(target.resolve("moved/e").toFile().list()).containsExactlyInAnyOrder("1", "3");
    }

    @Test
    void aSiblingWhoseNameStartsLikeTheRenamedDirectoryIsKept() {
        new Journal().mkdir("a", 0755).mkdir("ab", 0755).create(0, "a/1", 0644).create(0, "ab/1", 0644)
                .rename("a", "c").create(0, "ab/2", 0644).create(0, "c/2", 0644)
                .applyTo(engine);
        assertThat(target.resolve("ab").toFile().list()).containsExactlyInAnyOrder("1", "2");
        assertThat(target.resolve("c").toFile().list()).containsExactlyInAnyOrder("1", "2");
    }

    /** More directories than are kept, visited round-robin: every file lands and the descriptors stay bounded. */
    @Test
    void moreDirectoriesThanAreKeptAllReceiveTheirFilesAndDescriptorsStayBounded() throws IOException {
        int dirs = DirectoryCache.CAPACITY * 2;
        Journal j = new Journal().mkdir("top", 0755);
        for (int d = 0; d < dirs; d++) {
            j.mkdir("top/" + d, 0755);
        }
        for (int round = 0; round < 3; round++) {
            for (int d = 0; d < dirs; d++) {
                j.create(0, "top/" + d + "/f" + round, 0644);
            }
        }
        long before = openDescriptors();
        j.applyTo(engine);
        long during = openDescriptors();
        for (int d = 0; d < dirs; d++) {
            assertThat(target.resolve("top/" + d).toFile().list()).containsExactlyInAnyOrder("f0", "f1", "f2");
        }
        // the cache may run one walk's directories over its capacity until the next walk trims it
        assertThat(during - before).isBetween(1L, (long) DirectoryCache.CAPACITY + 4);
        engine.close();
        assertThat(openDescriptors()).isLessThanOrEqualTo(before);
        engine = ApplyEngine.open(target);
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
