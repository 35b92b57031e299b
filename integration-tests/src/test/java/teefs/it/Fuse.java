package teefs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Assumptions;

/** FUSE facts for tests: is it here, is a path mounted, and cleaning up a stale mount after a SIGKILL. */
final class Fuse {
    private Fuse() {
    }

    /** Skips the calling test, loudly, where /dev/fuse is missing; on our machines it is always there. */
    static void assumeAvailable() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            String message = "SKIPPING FUSE TEST: /dev/fuse is missing on this machine, so no real mount can be "
                    + "tested here. These tests are the proof that teefs works: run them where FUSE exists.";
            System.err.println("\n*** " + message + " ***\n");
            Assumptions.abort(message);
        }
    }

    static boolean isMounted(Path dir) throws IOException {
        String target = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && fields[4].replace("\\040", " ").equals(target)) {
                return true;
            }
        }
        return false;
    }

    static void awaitMounted(Path dir, TeefsProcess owner, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isMounted(dir)) {
            if (!owner.isAlive()) {
                throw new AssertionError("teefs exited before mounting " + dir + ":\n" + owner.output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(dir + " not mounted after " + timeout + ":\n" + owner.output());
            }
            Thread.sleep(20);
        }
    }

    static void awaitUnmounted(Path dir, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isMounted(dir)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(dir + " still mounted after " + timeout);
            }
            Thread.sleep(20);
        }
    }

    /** Detaches a (possibly stale) mount left by a killed process. */
    static void forceUnmount(Path dir) throws Exception {
        if (isMounted(dir)) {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).inheritIO().start().waitFor();
        }
    }
}
