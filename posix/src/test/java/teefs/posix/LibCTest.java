package teefs.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The libc calls the mirror relies on, against real files: a wrong signature or constant shows here first. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LibCTest {
    private static final LibC C = Posix.LIBC;

    @TempDir
    Path dir;

    private static long address(ByteBuffer direct) {
        return jnr.ffi.Pointer.wrap(Posix.runtime(), direct).address();
    }

    @Test
    void pwriteFromARawAddressWritesAtTheOffset() throws IOException {
        Path f = dir.resolve("f");
        int fd = C.open(f.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL, 0644);
        assertThat(fd).isNotNegative();
        ByteBuffer data = ByteBuffer.allocateDirect(5).put("hello".getBytes(StandardCharsets.US_ASCII)).flip();
        assertThat(C.pwrite(fd, address(data), 5, 3)).isEqualTo(5);
        assertThat(C.close(fd)).isZero();
        assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).isEqualTo("\0\0\0hello");
    }

    @Test
    void openatWithNofollowAndDirectoryRefusesASymlinkedDirectory() throws IOException {
        Files.createDirectory(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        int root = C.open(dir.toString(), Posix.O_PATH | Posix.O_DIRECTORY, 0);
        int flags = Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW;
        try {
            int real = C.openat(root, "real", flags, 0);
            assertThat(real).isNotNegative();
            C.close(real);
            assertThat(C.openat(root, "link", flags, 0)).isEqualTo(-1);
            assertThat(Posix.errno()).isEqualTo(Posix.ENOTDIR);
        } finally {
            C.close(root);
        }
    }

    @Test
    void utimensatSetsASymlinksOwnMtimeToTheNanosecond() throws IOException {
        Files.writeString(dir.resolve("target"), "t");
        Files.createSymbolicLink(dir.resolve("link"), Path.of("target"));
        long[] times = {0, Posix.UTIME_OMIT, 1_234_567_890L, 987_654_321L};
        assertThat(C.utimensat(Posix.AT_FDCWD, dir.resolve("link").toString(), times, Posix.AT_SYMLINK_NOFOLLOW))
                .isZero();
        Stat s = new Stat();
        assertThat(s.lstat(dir.resolve("link").toString())).isZero();
        assertThat(s.isSymlink()).isTrue();
        assertThat(s.mtimeSec()).isEqualTo(1_234_567_890L);
        assertThat(s.mtimeNsec()).isEqualTo(987_654_321L);
        assertThat(s.lstat(dir.resolve("target").toString())).isZero();
        assertThat(s.mtimeSec()).isNotEqualTo(1_234_567_890L);
    }

    @Test
    void renameat2NoreplaceAndExchange() throws IOException {
        Files.writeString(dir.resolve("a"), "A");
        Files.writeString(dir.resolve("b"), "B");
        String a = dir.resolve("a").toString();
        String b = dir.resolve("b").toString();
        assertThat(C.renameat2(Posix.AT_FDCWD, a, Posix.AT_FDCWD, b, Posix.RENAME_NOREPLACE)).isEqualTo(-1);
        assertThat(Posix.errno()).isEqualTo(Posix.EEXIST);
        assertThat(C.renameat2(Posix.AT_FDCWD, a, Posix.AT_FDCWD, b, Posix.RENAME_EXCHANGE)).isZero();
        assertThat(Files.readString(dir.resolve("a"))).isEqualTo("B");
        assertThat(Files.readString(dir.resolve("b"))).isEqualTo("A");
    }

    @Test
    void xattrsRoundTripThroughAProcFdPath() {
        int fd = C.open(dir.toString(), Posix.O_PATH | Posix.O_DIRECTORY, 0);
        try {
            assertThat(C.mknodat(fd, "f", Posix.S_IFREG | 0644, 0)).isZero();
            String path = "/proc/self/fd/" + fd + "/f";
            byte[] value = "v1".getBytes(StandardCharsets.UTF_8);
            assertThat(C.lsetxattr(path, "user.k", value, value.length, 0)).isZero();
            byte[] back = new byte[8];
            assertThat(C.lgetxattr(path, "user.k", back, back.length)).isEqualTo(2);
            assertThat(new String(back, 0, 2, StandardCharsets.UTF_8)).isEqualTo("v1");
            byte[] list = new byte[64];
            assertThat(C.llistxattr(path, list, list.length)).isEqualTo("user.k".length() + 1);
            assertThat(C.lremovexattr(path, "user.k")).isZero();
            assertThat(C.lgetxattr(path, "user.k", back, back.length)).isEqualTo(-1);
            assertThat(Posix.errno()).isEqualTo(Posix.ENODATA);
        } finally {
            C.close(fd);
        }
    }

    @Test
    void fallocatePunchesAHoleKeepingTheSize() throws IOException {
        Path f = dir.resolve("f");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        int fd = C.open(f.toString(), Posix.O_WRONLY, 0);
        try {
            int keepSizePunchHole = 0x01 | 0x02;
            assertThat(C.fallocate(fd, keepSizePunchHole, 2, 4)).isZero();
        } finally {
            C.close(fd);
        }
        assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 0, 0, 0, 0, 7, 8);
    }

    @Test
    void statReadsTypePermissionsSizeAndLinks() throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "12345");
        Files.createLink(dir.resolve("g"), f);
        assertThat(C.chmod(f.toString(), 0640)).isZero();
        Stat s = new Stat();
        assertThat(s.lstat(f.toString())).isZero();
        assertThat(s.isRegular()).isTrue();
        assertThat(s.permissions()).isEqualTo(0640);
        assertThat(s.size()).isEqualTo(5);
        assertThat(s.nlink()).isEqualTo(2);
        assertThat(s.uid()).isEqualTo(C.geteuid());
        assertThat(s.lstat(dir.resolve("missing").toString())).isEqualTo(Posix.ENOENT);
    }

    @Test
    void mkfifoThroughMknodat() {
        int fd = C.open(dir.toString(), Posix.O_PATH | Posix.O_DIRECTORY, 0);
        try {
            assertThat(C.mknodat(fd, "p", Posix.S_IFIFO | 0600, 0)).isZero();
            Stat s = new Stat();
            assertThat(s.fstatat(fd, "p", Posix.AT_SYMLINK_NOFOLLOW)).isZero();
            assertThat(s.type()).isEqualTo(Posix.S_IFIFO);
        } finally {
            C.close(fd);
        }
    }
}
