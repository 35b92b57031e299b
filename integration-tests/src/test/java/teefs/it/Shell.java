package teefs.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real programs (cp, tar, git, rsync, sqlite3, python3) the way a user would, failing loudly. */
final class Shell {
    private Shell() {
    }

    /** Runs {@code bash -c script} in {@code dir}; fails the test with the output when it exits non-zero. */
    static String sh(Path dir, String script) throws IOException, InterruptedException {
        return sh(dir, script, Duration.ofMinutes(3));
    }

    static String sh(Path dir, String script, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of("bash", "-euo", "pipefail", "-c", script))
                .directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().put("GIT_AUTHOR_NAME", "teefs");
        builder.environment().put("GIT_AUTHOR_EMAIL", "teefs@example.invalid");
        builder.environment().put("GIT_COMMITTER_NAME", "teefs");
        builder.environment().put("GIT_COMMITTER_EMAIL", "teefs@example.invalid");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out after " + timeout + ": " + script);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError("exit " + process.exitValue() + " from: " + script + "\n" + text);
        }
        return text;
    }

    /** Whether {@code program} is an executable in a directory of PATH. */
    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
