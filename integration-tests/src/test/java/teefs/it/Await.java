package teefs.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** Waiting for what a pipeline does, with a deadline: fails naming what it waited for and what it saw. */
final class Await {
    private Await() {
    }

    /** Waits until {@code file} exists with exactly {@code content}. */
    static void file(Path file, String content, Duration timeout) throws Exception {
        file(file, content, timeout, () -> "");
    }

    /** As {@link #file(Path, String, Duration)}; on failure the message ends with {@code context} (logs). */
    static void file(Path file, String content, Duration timeout, Supplier<String> context) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(Files.exists(file) && Files.readString(file).equals(content))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(file + " did not appear with its content within " + timeout + context.get());
            }
            Thread.sleep(5);
        }
    }
}
