package teefs.mirror.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import teefs.posix.Posix;
import teefs.posix.Stat;

/**
 * Walks one tree without following symlinks and records every entry, keyed by relative path in tree order ('/'
 * sorts before every other character, so a directory's entries follow it directly). The root is ".".
 *
 * <p>Not thread-safe; one scan per tree.
 */
final class TreeScan {
    /** Tree order: parents before children, children contiguous, siblings by name. */
    static final Comparator<String> TREE_ORDER = (x, y) -> {
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char a = x.charAt(i) == '/' ? 0 : x.charAt(i);
            char b = y.charAt(i) == '/' ? 0 : y.charAt(i);
            if (a != b) {
                return Character.compare(a, b);
            }
        }
        return Integer.compare(x.length(), y.length());
    };

    private final Path root;
    private final List<PathMatcher> ignore;
    private final Stat stat = new Stat();
    private final Map<String, TreeEntry> entries = new TreeMap<>(TREE_ORDER);
    private final VerifyProgress progress;
    private final String name;

    /** @param name how progress lines call this tree (A, B) */
    TreeScan(Path root, List<PathMatcher> ignore, VerifyProgress progress, String name) {
        this.root = root;
        this.ignore = ignore;
        this.progress = progress;
        this.name = name;
    }

    /** Scans the tree; throws {@link IllegalArgumentException} when the root is not a directory. */
    Map<String, TreeEntry> scan() {
        if (stat.fstatat(Posix.AT_FDCWD, root.toString(), 0) != 0 || !stat.isDirectory()) {
            throw new IllegalArgumentException(root + " is not a directory: give two directories to compare");
        }
        visit(".", root);
        progress.scanDone();
        return entries;
    }

    private void visit(String relative, Path absolute) {
        if (stat.lstat(absolute.toString()) != 0) {
            int errno = Posix.errno();
            if (errno == Posix.ENOENT) {
                return; // removed while we walked: the next verify will see the settled tree
            }
            throw new UncheckedIOException(new IOException("cannot lstat " + absolute + ": " + Posix.strerror(errno)));
        }
        entries.put(relative, new TreeEntry(relative, stat.type(), stat.permissions(), stat.uid(), stat.gid(),
                stat.size(), stat.mtimeSec(), stat.mtimeNsec(), stat.rdev(), stat.dev(), stat.ino(), stat.nlink()));
        progress.scannedOne(name);
        if (!stat.isDirectory()) {
            return;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(absolute)) {
            for (Path child : children) {
                names.add(child.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + absolute + ": " + e.getMessage(), e);
        }
        names.sort(null);
        for (String name : names) {
            String childRelative = ".".equals(relative) ? name : relative + "/" + name;
            if (!VerifyOptions.ignored(ignore, childRelative, name)) {
                visit(childRelative, absolute.resolve(name));
            }
        }
    }
}
