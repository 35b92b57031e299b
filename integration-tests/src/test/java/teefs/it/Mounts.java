package teefs.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mounts tests make as root (a small tmpfs for a disk that fills up, a bind mount for a drive) and undo. */
final class Mounts {
    private Mounts() {
    }

    /** Runs {@code mount ARGS...}; false, with mount's output on stderr, when it fails (without root, for one). */
    static boolean mount(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("mount"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            System.err.println(String.join(" ", command) + ": " + out);
            return false;
        }
        return true;
    }

    /** {@code umount -l DIR}: detached now, gone once nothing holds it open. */
    static void detach(Path dir) throws Exception {
        new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
    }
}
