package teefs.mirror.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import teefs.posix.Posix;

/**
 * Compares two trees the way DESIGN invariant 1 (convergence) defines "identical": type, size, content, permission
 * bits, owner, mtime (files, directories and symlinks), symlink target, device numbers, hard-link groups (paths
 * sharing an inode in A must share one in B, and vice versa) and {@code user.*} xattrs where readable. Atimes and
 * ctimes are not compared (no copy can keep them).
 *
 * <p>Mtimes are compared to the nanosecond, or to the coarser granularity of the two filesystems when one is known
 * to keep less (vfat: 2 s; HFS+: 1 s; NTFS: 100 ns). Contents are compared byte for byte (skipped in quick mode).
 * Symlinks are never followed. Nothing is ignored but the {@link VerifyOptions#ignoreGlobs() ignore globs}.
 *
 * <p>The differences come in tree order (a directory, then its entries by name), several per path in
 * {@link Difference.Kind} order; under a path only in one tree, or whose type differs, nothing more is listed.
 *
 * <p>Thread-safe: each {@link #compare} call uses its own state.
 */
public final class TreeVerifier {
    private static final int CHUNK = 256 * 1024;
    private static final int PATH_MAX = 4096;
    private final VerifyOptions options;
    private final VerifyProgress progress;

    public TreeVerifier(VerifyOptions options) {
        this(options, VerifyProgress.none());
    }

    public TreeVerifier(VerifyOptions options, VerifyProgress progress) {
        this.options = options;
        this.progress = progress;
    }

    /** The differences between tree {@code a} and tree {@code b}; empty when they are identical. */
    public List<Difference> compare(Path a, Path b) {
        List<Difference> out = new ArrayList<>();
        compare(a, b, out::add);
        return out;
    }

    /**
     * Hands each difference between tree {@code a} and tree {@code b} to {@code sink} as it is found, in tree order
     * (a long verify shows them while it runs); returns how many there were.
     */
    public long compare(Path a, Path b, Consumer<Difference> sink) {
        List<PathMatcher> ignore = options.matchers();
        Map<String, TreeEntry> left = new TreeScan(a, ignore, progress, "A").scan();
        Map<String, TreeEntry> right = new TreeScan(b, ignore, progress, "B").scan();
        long granularity = Math.max(mtimeGranularity(a), mtimeGranularity(b));
        Map<String, List<String>> linksA = linkGroups(left, right);
        Map<String, List<String>> linksB = linkGroups(right, left);

        TreeMap<String, Boolean> all = new TreeMap<>(TreeScan.TREE_ORDER);
        left.keySet().forEach(p -> all.put(p, Boolean.TRUE));
        right.keySet().forEach(p -> all.put(p, Boolean.TRUE));
        long[] count = {0};
        Consumer<Difference> out = d -> {
            count[0]++;
            sink.accept(d);
        };
        progress.comparing(all.size());
        String skipUnder = null;
        for (String path : all.keySet()) {
            progress.comparedOne(path);
            if (skipUnder != null && path.startsWith(skipUnder)) {
                continue;
            }
            skipUnder = null;
            TreeEntry x = left.get(path);
            TreeEntry y = right.get(path);
            if (x == null || y == null) {
                TreeEntry only = x == null ? y : x;
                out.accept(new Difference(path, x == null ? Difference.Kind.ONLY_IN_B : Difference.Kind.ONLY_IN_A,
                        typeName(only.type()) + (only.type() == Posix.S_IFREG ? " of " + only.size() + " bytes" : "")));
                skipUnder = path + "/";
                continue;
            }
            if (x.type() != y.type()) {
                out.accept(new Difference(path, Difference.Kind.TYPE, typeName(x.type()) + " in A, "
                        + typeName(y.type()) + " in B"));
                skipUnder = path + "/";
                continue;
            }
            compareEntry(a, b, x, y, granularity, linksA, linksB, out);
        }
        return count[0];
    }

    private void compareEntry(Path a, Path b, TreeEntry x, TreeEntry y, long granularity,
                              Map<String, List<String>> linksA, Map<String, List<String>> linksB,
                              Consumer<Difference> out) {
        String path = x.path();
        Path fa = ".".equals(path) ? a : a.resolve(path);
        Path fb = ".".equals(path) ? b : b.resolve(path);
        int type = x.type();
        if (type == Posix.S_IFREG) {
            if (x.size() != y.size()) {
                out.accept(diff(path, Difference.Kind.SIZE, x.size() + " bytes in A, " + y.size() + " in B"));
            } else if (!options.quick()) {
                long at;
                try {
                    at = firstDifference(fa, fb, path);
                } catch (VanishedException e) {
                    // compared while something still changes the tree (a mirror catching up): a difference, not a crash
                    out.accept(diff(path, Difference.Kind.CONTENT, e.getMessage()));
                    at = -1;
                }
                if (at >= 0) {
                    out.accept(diff(path, Difference.Kind.CONTENT, "first differing byte at offset " + at));
                }
            }
        }
        if (type != Posix.S_IFLNK && x.permissions() != y.permissions()) {
            out.accept(diff(path, Difference.Kind.MODE, String.format(Locale.ROOT, "%04o in A, %04o in B",
                    x.permissions(), y.permissions())));
        }
        if (x.uid() != y.uid() || x.gid() != y.gid()) {
            out.accept(diff(path, Difference.Kind.OWNER, x.uid() + ":" + x.gid() + " in A, " + y.uid() + ":" + y.gid()
                    + " in B"));
        }
        if (!sameMtime(x, y, granularity)) {
            out.accept(diff(path, Difference.Kind.MTIME, time(x) + " in A, " + time(y) + " in B"));
        }
        if (type == Posix.S_IFLNK) {
            String ta = readlink(fa);
            String tb = readlink(fb);
            if (!ta.equals(tb)) {
                out.accept(diff(path, Difference.Kind.SYMLINK_TARGET, "'" + ta + "' in A, '" + tb + "' in B"));
            }
        }
        if ((type == Posix.S_IFCHR || type == Posix.S_IFBLK) && x.rdev() != y.rdev()) {
            out.accept(diff(path, Difference.Kind.DEVICE, "rdev 0x" + Long.toHexString(x.rdev()) + " in A, 0x"
                    + Long.toHexString(y.rdev()) + " in B"));
        }
        List<String> groupA = linksA.getOrDefault(path, List.of());
        List<String> groupB = linksB.getOrDefault(path, List.of());
        if (!groupA.equals(groupB)) {
            out.accept(diff(path, Difference.Kind.HARD_LINKS, "linked with " + groupA + " in A, with " + groupB
                    + " in B"));
        }
        if (type != Posix.S_IFLNK) {
            Map<String, String> xa = userXattrs(fa);
            Map<String, String> xb = userXattrs(fb);
            if (!xa.equals(xb)) {
                out.accept(diff(path, Difference.Kind.XATTR, xa + " in A, " + xb + " in B"));
            }
        }
    }

    private static Difference diff(String path, Difference.Kind kind, String detail) {
        return new Difference(path, kind, detail);
    }

    /**
     * For each non-directory path of {@code tree} that also exists in {@code other}: the other paths (also in both
     * trees) that share its inode in {@code tree}, sorted. Paths with no such partner are absent.
     */
    private static Map<String, List<String>> linkGroups(Map<String, TreeEntry> tree, Map<String, TreeEntry> other) {
        Map<String, TreeSet<String>> byInode = new HashMap<>();
        for (TreeEntry e : tree.values()) {
            if (e.type() != Posix.S_IFDIR && e.nlink() > 1 && other.containsKey(e.path())) {
                byInode.computeIfAbsent(e.dev() + ":" + e.ino(), k -> new TreeSet<>(TreeScan.TREE_ORDER))
                        .add(e.path());
            }
        }
        Map<String, List<String>> groups = new HashMap<>();
        for (TreeSet<String> members : byInode.values()) {
            if (members.size() < 2) {
                continue;
            }
            for (String p : members) {
                List<String> partners = new ArrayList<>(members);
                partners.remove(p);
                groups.put(p, partners);
            }
        }
        return groups;
    }

    private static boolean sameMtime(TreeEntry x, TreeEntry y, long granularity) {
        if (granularity >= 1_000_000_000L) {
            long g = granularity / 1_000_000_000L;
            return Math.floorDiv(x.mtimeSec(), g) == Math.floorDiv(y.mtimeSec(), g);
        }
        return x.mtimeSec() == y.mtimeSec() && x.mtimeNsec() / granularity == y.mtimeNsec() / granularity;
    }

    /** Nanoseconds of mtime a filesystem keeps, from its type; 1 unless it is known to keep less. */
    static long mtimeGranularity(Path root) {
        String type;
        try {
            type = Files.getFileStore(root).type().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return 1;
        }
        return switch (type) {
            case "vfat", "msdos", "fat", "exfat" -> 2_000_000_000L;
            case "hfs", "hfsplus", "ext2", "ext3" -> 1_000_000_000L;
            case "ntfs", "ntfs3", "fuseblk" -> 100;
            default -> 1;
        };
    }

    private static String time(TreeEntry e) {
        return e.mtimeSec() + "." + String.format(Locale.ROOT, "%09d", e.mtimeNsec());
    }

    private static String typeName(int type) {
        return switch (type) {
            case Posix.S_IFREG -> "file";
            case Posix.S_IFDIR -> "directory";
            case Posix.S_IFLNK -> "symlink";
            case Posix.S_IFIFO -> "fifo";
            case Posix.S_IFSOCK -> "socket";
            case Posix.S_IFCHR -> "character device";
            case Posix.S_IFBLK -> "block device";
            default -> "type 0" + Integer.toOctalString(type);
        };
    }

    /** Offset of the first byte that differs between two files of equal size, or -1. */
    private long firstDifference(Path a, Path b, String path) {
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS);
             FileChannel cb = FileChannel.open(b, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer ba = ByteBuffer.allocate(CHUNK);
            ByteBuffer bb = ByteBuffer.allocate(CHUNK);
            long position = 0;
            while (true) {
                ba.clear();
                bb.clear();
                int na = readFully(ca, ba);
                int nb = readFully(cb, bb);
                int n = Math.min(na, nb);
                progress.read(na + nb, path);
                int mismatch = Arrays.mismatch(ba.array(), 0, n, bb.array(), 0, n);
                if (mismatch >= 0) {
                    return position + mismatch;
                }
                if (na != nb) {
                    return position + n; // a file changed size while we read it
                }
                if (na < CHUNK) {
                    return -1;
                }
                position += n;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new VanishedException(e.getFile() + " vanished while its contents were compared");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + a + " or " + b + " to compare them: " + e.getMessage(), e);
        }
    }

    private static int readFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                break;
            }
        }
        return buffer.position();
    }

    private static String readlink(Path link) {
        byte[] buf = new byte[PATH_MAX + 1];
        long n = Posix.LIBC.readlink(link.toString(), buf, buf.length);
        if (n < 0) {
            return "(unreadable: " + Posix.strerror(Posix.errno()) + ")";
        }
        return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }

    /** The {@code user.*} xattrs of a path (not following symlinks), values in hex; empty where unreadable. */
    private static Map<String, String> userXattrs(Path path) {
        String p = path.toString();
        long size = Posix.LIBC.llistxattr(p, new byte[0], 0);
        if (size <= 0) {
            return Map.of();
        }
        byte[] list = new byte[(int) size];
        size = Posix.LIBC.llistxattr(p, list, list.length);
        if (size <= 0) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        int start = 0;
        for (int i = 0; i < size; i++) {
            if (list[i] == 0) {
                String name = new String(list, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                if (name.startsWith("user.")) {
                    out.put(name, xattrValue(p, name));
                }
            }
        }
        return out;
    }

    private static String xattrValue(String path, String name) {
        long size = Posix.LIBC.lgetxattr(path, name, new byte[0], 0);
        if (size < 0) {
            return "(unreadable)";
        }
        byte[] value = new byte[(int) size];
        long n = Posix.LIBC.lgetxattr(path, name, value, value.length);
        if (n < 0) {
            return "(unreadable)";
        }
        StringBuilder hex = new StringBuilder((int) n * 2);
        for (int i = 0; i < n; i++) {
            hex.append(Character.forDigit((value[i] >> 4) & 0xF, 16)).append(Character.forDigit(value[i] & 0xF, 16));
        }
        return hex.toString();
    }

    /** A file listed in both trees was gone by the time its contents were read. */
    private static final class VanishedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VanishedException(String message) {
            super(message, null, false, false);
        }
    }
}
