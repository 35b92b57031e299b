package teefs.mirror.session;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import teefs.posix.Stat;

/**
 * Finds the hard-link groups of TARGET that SOURCE may not have: the names to copy again, replacing their files, when
 * a bootstrap window closes.
 *
 * <h2>Why</h2>
 * {@code rsync -H} groups the names it lists by inode number. On a live tree a number is reused as soon as its file
 * is gone: ext4 hands the inode of a pair of links deleted during the listing to the next file created, and rsync,
 * which met the old pair earlier in its listing, makes the new file and its links one group with the old pair on
 * TARGET (seen under a busy writer: {@code src7, hard0} and {@code src16, hard15}, two pairs on SOURCE, became one
 * inode of four names). Replaying the journal never undoes that: {@code --inplace} copies and the records write into
 * the one inode, so a write to one pair shows through the other, for good.
 *
 * <h2>What counts as wrong</h2>
 * TARGET's regular files with more than one link are grouped by inode. A group is right when every one of its names is,
 * on SOURCE now, a regular file, all of them the same one (device and inode). Anything else is suspect and copied
 * again: the journal after the window cannot tell a pair that SOURCE split since from a false one, and a copy of a
 * right group costs only time. A local SOURCE is looked at with lstat(2), each ancestor checked to be a real
 * directory (no symlink in SOURCE is followed); a remote one cannot be, so every group of names is copied again
 * (rsync's delta transfer sends little for files that were right).
 *
 * <p>Not thread-safe: one audit at a time, on the mirror thread.
 */
final class LinkGroupAudit {
    private final Path target;
    /** SOURCE's directory, or null when SOURCE is remote. */
    private final Path source;
    private final Stat stat = new Stat();
    private long linkedNames;
    private int groupsSeen;

    LinkGroupAudit(Path target, Path localSource) {
        this.target = target.toAbsolutePath().normalize();
        this.source = localSource == null ? null : localSource.toAbsolutePath().normalize();
    }

    /** The names (record paths, sorted) of every suspect group, all groups together: copy them in one run. */
    List<String> suspectNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (List<String> group : groups()) {
            if (source == null || !sameFileOnSource(group)) {
                names.addAll(group);
            }
        }
        return new ArrayList<>(new TreeSet<>(names));
    }

    /**
     * TARGET's names of regular files with more than one link, grouped by inode; groups of one name left out. The
     * walk is find(1)'s ({@code -type f -links +1}, no symlink followed): one lstat per entry, in C. The Java walk it
     * replaces (two stats per entry) took 0.5 to 1.4 s for 31,657 files on the loaded development VM, find 0.3 s, on
     * the path from the copy to the first record applied.
     *
     * @throws IOException when find cannot run, or reports an error for anything but a directory it may not read
     *                     (lost+found: no record names what is in it)
     */
    List<List<String>> groups() throws IOException {
        Process find = new ProcessBuilder("find", target.toString(), "-type", "f", "-links", "+1",
                "-printf", "%D %i %P\\0").redirectError(ProcessBuilder.Redirect.PIPE).start();
        find.getOutputStream().close();
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> drain(find.getErrorStream()));
        Map<String, List<String>> byInode = new HashMap<>();
        linkedNames = 0;
        try (InputStream out = new BufferedInputStream(find.getInputStream(), 1 << 16)) {
            ByteArrayOutputStream entry = new ByteArrayOutputStream(256);
            for (int b = out.read(); b >= 0; b = out.read()) {
                if (b != 0) {
                    entry.write(b);
                    continue;
                }
                String line = entry.toString(StandardCharsets.UTF_8);
                entry.reset();
                int space = line.indexOf(' ', line.indexOf(' ') + 1);
                if (space > 0 && space < line.length() - 1) {
                    byInode.computeIfAbsent(line.substring(0, space), i -> new ArrayList<>(2))
                            .add(line.substring(space + 1));
                    linkedNames++;
                }
            }
        }
        int code;
        try {
            code = find.waitFor();
        } catch (InterruptedException e) {
            find.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while find walked " + target, e);
        }
        String stderr = errors.join();
        if (code != 0 && !onlyUnreadableDirectories(stderr)) {
            throw new IOException("find " + target + " exited with " + code + ": " + stderr.strip());
        }
        List<List<String>> groups = new ArrayList<>();
        for (List<String> names : byInode.values()) {
            if (names.size() > 1) {
                names.sort(null);
                groups.add(names);
            }
        }
        groups.sort((a, b) -> a.get(0).compareTo(b.get(0)));
        groupsSeen = groups.size();
        return groups;
    }

    private static boolean onlyUnreadableDirectories(String stderr) {
        return !stderr.isBlank() && stderr.lines().allMatch(l -> l.isBlank() || l.endsWith(": Permission denied"));
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }

    /** Names of regular files with more than one link the last walk found on TARGET. */
    long linkedNames() {
        return linkedNames;
    }

    /** Hard-link groups of two names or more the last walk found. */
    int groupsSeen() {
        return groupsSeen;
    }

    private boolean sameFileOnSource(List<String> names) {
        long dev = 0;
        long ino = 0;
        for (int i = 0; i < names.size(); i++) {
            if (!regularOnSource(names.get(i))) {
                return false;
            }
            if (i == 0) {
                dev = stat.dev();
                ino = stat.ino();
            } else if (stat.dev() != dev || stat.ino() != ino) {
                return false;
            }
        }
        return true;
    }

    /** lstat of {@code name} on SOURCE, true when it is a regular file reached through real directories only. */
    private boolean regularOnSource(String name) {
        for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
            if (stat.lstat(source.resolve(name.substring(0, slash)).toString()) != 0 || !stat.isDirectory()) {
                return false;
            }
        }
        return stat.lstat(source.resolve(name).toString()) == 0 && stat.isRegular();
    }
}
