package teefs.mirror.testing;

import java.util.Map;

import teefs.posix.Posix;

/** Record sequences shaped like what journal-fs writes for everyday work. */
public final class Scenarios {
    private Scenarios() {
    }

    /**
     * A session that touches every kind of record and the awkward cases: a directory renamed while a file in it is
     * open, an atomic save (write a temporary, rename over), an unlinked open file (hidden, then removed at release),
     * hard links, symlinks, xattrs, a fifo, sparse writes, truncates and hole punching. A checkpoint restating the
     * live handles sits in the middle, and a second session (journal-fs restarted) reuses handle numbers.
     */
    public static Journal everyday() {
        Journal j = new Journal().checkpoint(true, Map.of());
        j.mkdir("a", 0755)
                .create(1, "a/f", 0644)
                .write(1, 0, "first version")
                .mkdir("a/sub", 0700)
                .symlink("a/sub/l", "../f")
                .release(1)
                .associate(6, "a/f")
                .rename("a", "b")
                .write(6, 20, "written after the directory moved")
                .create(2, "b/.final.tmp", 0600)
                .write(2, 0, "atomic save")
                .fsync(2)
                .release(2)
                .create(0, "b/final", 0644)
                .rename("b/.final.tmp", "b/final")
                .link("b/final", "b/hard")
                .setxattr("b/final", "user.origin", "teefs")
                .setxattr("b/f", "user.gone", "soon")
                .checkpoint(false, Map.of(6, "b/f"))
                .removexattr("b/f", "user.gone")
                .create(3, "c", 0644)
                .write(3, 0, "to be deleted")
                .rename("c", ".fuse_hidden0000000a00000001")
                .write(3, 13, ", still open")
                .release(3)
                .unlink(".fuse_hidden0000000a00000001")
                .mknod("pipe", Posix.S_IFIFO | 0640, 0)
                .mkdir("scratch", 0755)
                .create(0, "scratch/x", 0644)
                .unlink("scratch/x")
                .rmdir("scratch")
                .write(6, 1 << 20, "sparse tail")
                .truncate("b/f", 100)
                .fallocate(6, 0x01 | 0x02, 4, 8)
                .release(6)
                .checkpoint(true, Map.of())
                .create(1, "d", 0644)
                .write(1, 0, "second session reuses handle 1")
                .rename("b/sub/l", "b/l2")
                .chmod("b/final", 0444)
                .associate(2, "b/final")
                .write(2, 0, "ATOMIC")
                .release(2)
                .release(1)
                .utimens("b/sub", 1_500_000_000L, 123_456_789L)
                .marker("end");
        return j;
    }
}
