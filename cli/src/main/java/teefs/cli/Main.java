package teefs.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code teefs} launcher: one binary, one subcommand per role or tool (added by {@link #commandLine}). */
@Command(name = "teefs",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "teefs: an event-driven rsync. A FUSE mount journals every change; mirrors replay the journal.",
            ""
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Each role and tool by name, in the order help lists them; one line each. Only the one named on the command
     * line is built: picocli reflects over a command's annotations when it is added, which cost teefs 120 ms of its
     * start when all fourteen were (async-profiler, `teefs replay` of one record).
     */
    static final Map<String, Class<?>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("journal", JournalCommand.class);
        SUBCOMMANDS.put("dump", DumpCommand.class);
        SUBCOMMANDS.put("broadcast", BroadcastCommand.class);
        SUBCOMMANDS.put("status", StatusCommand.class);
        SUBCOMMANDS.put("forget", ForgetCommand.class);
        SUBCOMMANDS.put("keygen", KeygenCommand.class);
        SUBCOMMANDS.put("replay", ReplayCommand.class);
        SUBCOMMANDS.put("verify", VerifyCommand.class);
        SUBCOMMANDS.put("mirror", MirrorCommand.class);
        SUBCOMMANDS.put("up", teefs.cli.up.UpCommand.class);
        SUBCOMMANDS.put("restart", teefs.cli.up.RestartCommand.class);
        SUBCOMMANDS.put("run", teefs.cli.up.RunCommand.class);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand.class);
        SUBCOMMANDS.put("cds-training", CdsTrainingCommand.class);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs teefs with {@code args} and returns the exit code, without exiting (for tests). */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /** As {@link #run(String...)}, with the commands' output and error lines going to {@code out} and {@code err}. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    /**
     * The command line for {@code args}: with only the subcommand {@code args[0]} names, or with all of them when it
     * names none or {@code help} (a top-level option, a mistyped name and help each need the whole list).
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        Class<?> named = args.length > 0 && !args[0].equals("help") ? SUBCOMMANDS.get(args[0]) : null;
        SUBCOMMANDS.forEach((name, command) -> {
            if (named == null || named == command) {
                cli.addSubcommand(name, command);
            }
        });
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        cli.setParameterExceptionHandler(new UsageErrorHandler());
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
