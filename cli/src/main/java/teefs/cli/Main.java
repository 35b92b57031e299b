package teefs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code teefs} launcher: one binary, one subcommand per role or tool. */
@Command(name = "teefs",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "teefs: an event-driven rsync. A FUSE mount journals every change; mirrors replay the journal.",
            ""
        },
        subcommands = {
            // each role and tool registers here, one line each
            JournalCommand.class,
            DumpCommand.class,
            BroadcastCommand.class,
            StatusCommand.class,
            ForgetCommand.class,
            KeygenCommand.class,
            ReplayCommand.class,
            VerifyCommand.class,
            MirrorCommand.class,
            teefs.cli.up.UpCommand.class,
            teefs.cli.up.RestartCommand.class,
            teefs.cli.up.RunCommand.class,
            CommandLine.HelpCommand.class,
            CdsTrainingCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs teefs with {@code args} and returns the exit code, without exiting (for tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        return cli.execute(args);
    }

    /** As {@link #run(String...)}, with the commands' output and error lines going to {@code out} and {@code err}. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
