package teefs.mirror.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import teefs.mirror.apply.PathGuard;

/**
 * The rsync runs of a mirror's bootstrap, from SOURCE (STORE's directory, or an rsync URL of it) onto TARGET:
 * <ul>
 *   <li>{@link #copyTree}: the whole tree, {@code rsync -aHAX --inplace --delete};</li>
 *   <li>{@link #copyPaths}: some paths only (a file, a directory with its whole subtree), for the repairs inside the
 *       bootstrap window ({@link WindowRepair});</li>
 *   <li>{@link #restateDirectories}: the directories' attributes only (times above all), onto directories TARGET
 *       already has.</li>
 * </ul>
 *
 * <p>Confinement (DESIGN invariant 4) on both sides: {@link #copyPaths} never names a path below the roots on rsync's
 * command line (rsync would resolve it with the kernel, following any symlink on the way). It copies from SOURCE's
 * root to TARGET's root, and a filter lets through only the path's ancestors, the path and its subtree. rsync then
 * reaches each of them by its own recursion, which lstats every entry and never descends into a symlink: an ancestor
 * that is a symlink in SOURCE matches no directory rule ({@code /a/} matches directories only) and is left out, so
 * nothing outside SOURCE is read; on TARGET's side a symlink where SOURCE has a directory is replaced, not followed
 * (no {@code --keep-dirlinks}). Only the path itself may be of any type, and a symlink there is copied as a symlink.
 * Every path is checked with {@link PathGuard#check} first.
 *
 * <p>Not thread-safe: the mirror thread owns it.
 */
final class SourceCopy {
    /** rsync's exit code when files vanished from SOURCE during the copy (renamed or deleted meanwhile). */
    static final int VANISHED = 24;
    /** rsync's exit code for a partial transfer (among others: a file truncated by a writer while rsync read it). */
    static final int PARTIAL = 23;

    /**
     * Times compared to the nanosecond. rsync 3.5 otherwise compares seconds only: a file or directory differing
     * within the second is taken as up to date, and a directory it added entries to keeps the time of that change
     * when its time matched SOURCE's within the second before (measured: every time).
     */
    private static final String EXACT_TIMES = "--modify-window=-1";

    private final String source;
    private final Path target;
    private final BooleanSupplier stopRequested;

    /**
     * @param source        STORE's directory, or an rsync URL of it (host:/srv/store, rsync://host/module)
     * @param stopRequested polled while rsync runs: when true, rsync is stopped and the copy reports -1
     */
    SourceCopy(String source, Path target, BooleanSupplier stopRequested) {
        this.source = isLocal(source) ? Path.of(source).toAbsolutePath().normalize().toString() : source;
        this.target = target.toAbsolutePath().normalize();
        this.stopRequested = stopRequested;
    }

    /** The source as it should be saved (absolute when local): a restarted mirror reads it from its state. */
    String source() {
        return source;
    }

    Path target() {
        return target;
    }

    boolean local() {
        return isLocal(source);
    }

    /**
     * Copies the whole tree ({@code rsync -aHAX --inplace --delete}), showing rsync's progress.
     *
     * @return rsync's exit code (0, {@link #VANISHED} or {@link #PARTIAL}), or -1 when a stop interrupted it
     * @throws MirrorException when rsync cannot run or fails otherwise
     */
    int copyTree() throws InterruptedException {
        List<String> command = base();
        command.add("--delete");
        // progress: rsync's live line on a terminal; a summary (files, bytes, speed) in a log
        command.add(System.console() != null ? "--info=progress2" : "--info=stats1");
        roots(command);
        return usable(command, run(command, true));
    }

    /**
     * Copies {@code paths} (record paths, relative to the roots) from SOURCE onto TARGET as they are now in SOURCE:
     * a file replaces what TARGET has there (of any type), a directory brings its whole subtree (and what TARGET has
     * under it that SOURCE has not is deleted). Missing ancestors are created. A path SOURCE no longer has (or that
     * SOURCE reaches through a symlink) is left alone on TARGET, as is everything else. Paths copied together keep
     * their hard links among them. Quiet: rsync prints errors only.
     *
     * @return rsync's exit code, whatever it is: the caller decides (a remote SOURCE unreachable, a full TARGET)
     * @throws teefs.mirror.apply.ApplyException when a path is not a trustworthy record path
     * @throws MirrorException                   when rsync cannot run
     */
    int copyPaths(Collection<String> paths) throws InterruptedException {
        return copyPaths(paths, false);
    }

    /**
     * Like {@link #copyPaths(Collection)}, but every file is copied whole into a new file renamed over TARGET's, even
     * when it looks up to date: a name TARGET has in a hard-link group SOURCE does not have is taken out of it (an
     * in-place copy would write into the group's one inode). The copied names are linked among themselves as on
     * SOURCE. For the {@link LinkGroupAudit}'s suspects.
     */
    int copyReplacing(Collection<String> paths) throws InterruptedException {
        return copyPaths(paths, true);
    }

    private int copyPaths(Collection<String> paths, boolean replace) throws InterruptedException {
        byte[] rules = filter(paths);
        Path file;
        try {
            file = Files.createTempFile("teefs-repair", ".rules");
        } catch (IOException e) {
            throw new MirrorException(MirrorException.CONFIGURATION, "cannot create a temporary file for rsync's"
                    + " filter (" + e.getMessage() + "): check the temporary directory (java.io.tmpdir)", e);
        }
        try {
            Files.write(file, rules);
            List<String> command = base();
            if (replace) {
                command.remove("--inplace");
                command.add("--ignore-times");
            }
            // --delete reaches only what the filter lets through and does not protect: the copied subtrees
            command.addAll(List.of("--delete", "--quiet", "--from0", "--filter=merge " + file));
            return run(roots(command), false);
        } catch (IOException e) {
            throw new MirrorException(MirrorException.CONFIGURATION, "cannot write rsync's filter to " + file + ": "
                    + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file left behind: harmless
            }
        }
    }

    /**
     * Sets the attributes (times, modes, owners) of every directory TARGET already has to SOURCE's: rsync sets a
     * directory's times at the end of a pass and skips that in a pass where files vanished, which under a busy
     * writer is every pass. Creates nothing and removes nothing; no file but directories is looked at.
     *
     * @return rsync's exit code (0 or {@link #VANISHED}), or -1 when a stop interrupted it
     */
    int restateDirectories() throws InterruptedException {
        List<String> command = roots(new ArrayList<>(List.of("rsync", "-a", "--existing", "--numeric-ids",
                EXACT_TIMES, "--quiet", "--filter=+ */", "--filter=- *")));
        return usable(command, run(command, true));
    }

    /**
     * The NUL-separated rules (rsync {@code --from0}) that let through exactly {@code paths}' ancestors (as
     * directories only), the paths and their subtrees; the ancestors and the paths themselves are protected from
     * deletion, so a path SOURCE no longer has stays on TARGET as it is.
     */
    static byte[] filter(Collection<String> paths) {
        Set<String> roots = new TreeSet<>();
        for (String p : paths) {
            PathGuard.check(p, false);
            roots.add(p);
        }
        // a path under another one is copied with it (and must not be protected from the deletions inside it)
        roots.removeIf(p -> roots.stream().anyMatch(q -> p.startsWith(q + "/")));
        Set<String> ancestors = new LinkedHashSet<>();
        for (String p : roots) {
            for (int slash = p.indexOf('/'); slash >= 0; slash = p.indexOf('/', slash + 1)) {
                ancestors.add(p.substring(0, slash));
            }
        }
        List<String> rules = new ArrayList<>();
        for (String a : ancestors) {
            rules.add("P " + pattern(a, "/"));
        }
        for (String p : roots) {
            rules.add("P " + pattern(p, ""));
        }
        for (String a : ancestors) {
            rules.add("+ " + pattern(a, "/"));
        }
        for (String p : roots) {
            rules.add("+ " + pattern(p, ""));
            rules.add("+ " + pattern(p, "/**"));
        }
        rules.add("- *");
        return (String.join("\0", rules) + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An anchored rsync pattern matching {@code path} exactly, then {@code suffix}. rsync reads backslashes as
     * escapes only in a pattern holding a wildcard ({@code * ? [}), so a name is escaped exactly then.
     */
    static String pattern(String path, String suffix) {
        boolean wild = suffix.indexOf('*') >= 0 || path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[');
        if (!wild) {
            return "/" + path + suffix;
        }
        StringBuilder b = new StringBuilder(path.length() + suffix.length() + 8).append('/');
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\' || c == '*' || c == '?' || c == '[') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.append(suffix).toString();
    }

    private static List<String> base() {
        return new ArrayList<>(List.of("rsync", "-aHAX", "--inplace", "--numeric-ids", EXACT_TIMES));
    }

    private List<String> roots(List<String> command) {
        command.add(withSlash(source));
        command.add(withSlash(target.toString()));
        return command;
    }

    /**
     * rsync's exit code, or -1 when a stop interrupted it (only when {@code stoppable}). A partial transfer (23) whose
     * every error was a file changing under rsync is reported as {@link #VANISHED}: see {@link RsyncErrors}.
     */
    private int run(List<String> command, boolean stoppable) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new MirrorException(MirrorException.CONFIGURATION, "cannot run rsync (" + e.getMessage()
                    + "): install it (apt-get install rsync)", e);
        }
        RsyncErrors errors = new RsyncErrors(p.getErrorStream(), System.out);
        errors.start();
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            if (stoppable && stopRequested.getAsBoolean()) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return -1;
            }
        }
        errors.join(10_000); // the pipe ends with rsync (unless a child of it holds it: then judge on what came)
        int code = p.exitValue();
        return code == PARTIAL && !errors.isAlive() && errors.onlyFilesChangingUnderRsync() ? VANISHED : code;
    }

    /** {@code code} when it leaves a usable copy (0, 23, 24, or -1 for a stop); throws otherwise. */
    private static int usable(List<String> command, int code) {
        if (code > 0 && code != VANISHED && code != PARTIAL) {
            throw new MirrorException(MirrorException.CONFIGURATION, "rsync " + String.join(" ", command)
                    + " failed with exit code " + code + ": fix what rsync printed above, then run with --bootstrap"
                    + " again", null);
        }
        return code;
    }

    static boolean isLocal(String source) {
        return !source.contains("::") && !source.startsWith("rsync://") && !source.matches("^[^/]*:.*");
    }

    private static String withSlash(String s) {
        return s.endsWith("/") ? s : s + "/";
    }
}
