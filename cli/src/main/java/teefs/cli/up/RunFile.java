package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The file in which a running {@code teefs up} names itself and the role processes it runs, each as a
 * {@link ProcessId}: {@code teefs-up.pids} next to the control socket. The roles run in their own sessions, so a
 * {@code teefs up} killed with SIGKILL leaves them running; this file is how the next {@code teefs up} of the same
 * config recognises them as its own (see {@link Leftovers}). Rewritten whole (write, then rename) whenever a role
 * starts or stops; removed on a clean stop. Only the supervisor thread writes it.
 *
 * <pre>
 * supervisor 4242 918273
 * journal 4250 918301
 * broadcast 4260 918390
 * mirror disk1 4270 918455
 * </pre>
 */
final class RunFile {
    /** A line: a role's name (as the supervisor shows it) and its process. */
    record Entry(String role, ProcessId process) {
    }

    private final Path path;

    RunFile(Path path) {
        this.path = path;
    }

    /** The run file of a config: next to its control socket. */
    static RunFile of(UpConfig config) {
        String name = config.control().getFileName().toString();
        return new RunFile(config.control().resolveSibling(
                (name.endsWith(".sock") ? name.substring(0, name.length() - 5) : name) + ".pids"));
    }

    Path path() {
        return path;
    }

    /** Replaces the file: the supervisor's line first, then one per running role. */
    void write(ProcessId supervisor, List<Entry> roles) throws IOException {
        StringBuilder b = new StringBuilder("supervisor ").append(supervisor).append('\n');
        for (Entry e : roles) {
            b.append(e.role()).append(' ').append(e.process()).append('\n');
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, b);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The entries, the supervisor's first (role "supervisor"); empty when there is no file. Bad lines are skipped. */
    Optional<List<Entry>> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            return Optional.empty();
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            String[] w = line.strip().split(" ");
            if (w.length >= 3) {
                String role = String.join(" ", List.of(w).subList(0, w.length - 2));
                ProcessId.parse(w[w.length - 2] + " " + w[w.length - 1])
                        .ifPresent(p -> entries.add(new Entry(role, p)));
            }
        }
        return Optional.of(entries);
    }

    void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover file names processes that are gone: the next teefs up finds nothing to stop
        }
    }
}
