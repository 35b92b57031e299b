package teefs.cli;

import picocli.CommandLine;

import teefs.queue.QueueException;

/**
 * Turns failures into one readable line on stderr. User mistakes and environment problems (the typed exceptions
 * whose messages already name the path and the fix) never print a stack trace; anything else is a bug, and prints
 * one so it can be reported.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof UserError userError) {
            cmd.getErr().println("teefs " + cmd.getCommandName() + ": " + e.getMessage());
            return userError.exitCode();
        }
        if (e instanceof QueueException || e instanceof IllegalArgumentException) {
            cmd.getErr().println("teefs " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        cmd.getErr().println("teefs " + cmd.getCommandName() + ": internal error (please report it): " + e);
        e.printStackTrace(cmd.getErr());
        return 70;
    }
}
