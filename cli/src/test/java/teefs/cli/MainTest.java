package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The launcher builds only the subcommand it runs, and every other way in still sees them all. */
class MainTest {
    @Test
    void eachNameIsTheOneItsCommandDeclares() {
        Main.SUBCOMMANDS.forEach((name, command) ->
                assertThat(command.getAnnotation(Command.class).name()).as(command.getName()).isEqualTo(name));
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        CommandLine cli = Main.commandLine("replay", "--queue", "q", "--target", "t");
        assertThat(cli.getSubcommands()).containsOnlyKeys("replay");
    }

    @Test
    void withoutASubcommandNameAllAreBuilt() {
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(Main.SUBCOMMANDS.keySet());
        assertThat(Main.commandLine("--help").getSubcommands()).hasSameSizeAs(Main.SUBCOMMANDS);
        assertThat(Main.commandLine("replya").getSubcommands()).hasSameSizeAs(Main.SUBCOMMANDS);
        assertThat(Main.commandLine("help", "replay").getSubcommands()).hasSameSizeAs(Main.SUBCOMMANDS);
    }

    @Test
    void topLevelHelpListsEveryVisibleCommand() {
        Output o = run("--help");
        assertThat(o.code).isZero();
        for (String name : Main.SUBCOMMANDS.keySet()) {
            if (name.equals("cds-training")) {
                assertThat(o.out).doesNotContain(name);
            } else {
                assertThat(o.out).contains("  " + name + " ");
            }
        }
    }

    @Test
    void helpOfOneCommandAndAMistypedNameStillWork() {
        Output help = run("help", "replay");
        assertThat(help.code).isZero();
        assertThat(help.out).contains("Usage: teefs replay");
        Output typo = run("replya");
        assertThat(typo.code).isEqualTo(2);
        assertThat(typo.err).contains("Unmatched argument at index 0: 'replya'").contains("replay");
        Output own = run("replay", "--help");
        assertThat(own.code).isZero();
        assertThat(own.out).contains("Usage: teefs replay");
    }

    @Test
    void aUsageMistakeNamesItselfAndTheSynopsisNotTheWholeHelp() {
        Output missing = run("mirror");
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err.lines().findFirst()).hasValue(
                "teefs mirror: Missing required options: '--connect=ADDR', '--target=DIR'");
        assertThat(missing.err).contains("Usage: teefs mirror [-hV] [--bootstrap]")
                .contains("Run 'teefs mirror --help' for what each option does, with examples.")
                .doesNotContain("Examples:").doesNotContain("Exit status");
        assertThat(missing.out).isEmpty();

        Output unknown = run("verify", "--quik", "a", "b");
        assertThat(unknown.code).isEqualTo(2);
        assertThat(unknown.err).startsWith("teefs verify: Unknown option: '--quik'")
                .contains("--quick").contains("Usage: teefs verify");

        Output typo = run("mirorr");
        assertThat(typo.err).startsWith("teefs: Unmatched argument at index 0: 'mirorr'")
                .contains("mirror").contains("Run 'teefs --help' for the commands");
    }

    /** picocli wraps help at 80 columns: an example longer than that would go on at column 0, unreadable. */
    @Test
    void everyExampleFitsTheHelpsWidth() {
        for (String name : Main.SUBCOMMANDS.keySet()) {
            if (name.equals("help") || name.equals("cds-training")) {
                continue;
            }
            String help = run(name, "--help").out;
            int at = help.indexOf("Examples:\n");
            assertThat(at).as(name + " --help has examples").isPositive();
            for (String line : help.substring(at + "Examples:\n".length()).split("\n")) {
                if (line.isEmpty() || line.startsWith("      --") || line.startsWith("  -")) {
                    break; // the end of the examples: a blank line or the options
                }
                assertThat(line).as("an example line of teefs " + name + " --help").startsWith("  ");
            }
        }
    }

    private static Output run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Output(code, out.toString(), err.toString());
    }

    private record Output(int code, String out, String err) {
    }
}
