package teefs.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A process's full argument list from /proc/PID/cmdline. {@code ProcessHandle.Info.arguments()} is no use for our
 * JVMs: it comes back empty for command lines longer than a page, and a teefs JVM's classpath is longer than that.
 */
final class ProcArgs {
    private ProcArgs() {
    }

    static List<String> of(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            String text = new String(raw, StandardCharsets.UTF_8);
            if (text.endsWith("\0")) {
                text = text.substring(0, text.length() - 1);
            }
            return text.isEmpty() ? List.of() : Arrays.asList(text.split("\0", -1));
        } catch (IOException e) {
            return List.of(); // the process is gone
        }
    }

    /** The teefs subcommand and its arguments: what follows {@code teefs.cli.Main}, or an empty list. */
    static List<String> teefsArgs(ProcessHandle process) {
        List<String> args = of(process);
        int main = args.indexOf("teefs.cli.Main");
        return main < 0 ? List.of() : args.subList(main + 1, args.size());
    }
}
