package teefs.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A mistake on the command line: the message, the closest names when a word was mistyped, the command's synopsis
 * and where the rest is; exit 2. Not the whole help, whose 60 lines would push the message off the screen.
 */
final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        CommandLine.Help help = cmd.getHelp();
        err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeadingLength()));
        err.println("Run '" + name + " --help' for " + (cmd.getSubcommands().isEmpty()
                ? "what each option does, with examples." : "the commands and what each does."));
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
