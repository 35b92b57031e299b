package teefs.cli.up;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child role: the same java binary, JVM flags (Chronicle's --add-opens, the -D properties)
 * and classpath as this process, so it works from bin/teefs, a distribution or a test alike. Children run in their
 * own session ({@code setsid}), so a Ctrl-C at the terminal reaches only the supervisor, which then stops them in
 * order (mirrors, broadcaster, journal last).
 */
final class ChildCommand {
    private ChildCommand() {
    }

    static List<String> of(List<String> teefsArgs) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        } else if (Files.isExecutable(Path.of("/bin/setsid"))) {
            command.add("/bin/setsid");
        }
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // a debugger agent would clash on its port; everything else (opens, -D, -Xmx) is inherited
            if (!flag.startsWith("-agentlib") && !flag.startsWith("-javaagent") && !flag.startsWith("-Xrunjdwp")
                    && !flag.startsWith("-Xdebug")) {
                command.add(flag);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("teefs.cli.Main");
        command.addAll(teefsArgs);
        return command;
    }
}
