package teefs.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code teefs} process, started the way bin/teefs starts it (same JVM flags, the build's classpath), with its
 * output in a log file. Tests kill it with SIGKILL or stop it with SIGTERM like a user or a supervisor would.
 */
final class TeefsProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final String name;

    private TeefsProcess(Process process, Path log, String name) {
        this.process = process;
        this.log = log;
        this.name = name;
    }

    static TeefsProcess start(Path logDir, String name, String... args) throws IOException {
        return start(logDir, name, Map.of(), args);
    }

    /** With {@code env} added to the environment (e.g. a PATH that finds a fake rsync first). */
    static TeefsProcess start(Path logDir, String name, Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> command = command(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().putAll(env);
        return new TeefsProcess(builder.start(), log, name);
    }

    /** Runs teefs to completion and returns its exit code; output goes to the log. */
    static Result run(Path logDir, String name, Duration timeout, String... args) throws Exception {
        try (TeefsProcess p = start(logDir, name, args)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.process.destroyForcibly();
                throw new AssertionError("teefs " + String.join(" ", args) + " did not finish within " + timeout
                        + "; log:\n" + p.output());
            }
            return new Result(p.process.exitValue(), p.output());
        }
    }

    static List<String> command(String... args) throws IOException {
        String classpathFile = System.getProperty("teefs.classpath.file");
        String classpath = Files.readString(Path.of(classpathFile)).trim();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("teefs.jvm.opens").trim().split("\\s+")));
        command.addAll(Arrays.asList(System.getProperty("teefs.jvm.props").trim().split("\\s+")));
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(classpath);
        command.add("teefs.cli.Main");
        command.addAll(Arrays.asList(args));
        return command;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeout + "; log:\n" + output());
        }
        return process.exitValue();
    }

    /** SIGTERM, then waits for a clean exit; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not stop within " + timeout + " of SIGTERM; log:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    record Result(int exitCode, String output) {
    }
}
