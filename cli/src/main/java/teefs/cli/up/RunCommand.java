package teefs.cli.up;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import teefs.cli.Main;
import teefs.cli.UserError;

@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run one role, in this process, with its settings from the config file: what the systemd units call.",
            "",
            "teefs run journal = teefs journal with the [journal] keys as flags; run broadcast = the [broadcast] keys; "
                + "run mirror NAME = the [[mirror]] named NAME. A mirror that exits 4 (must bootstrap) is run once "
                + "more with --bootstrap --source (its bootstrap_source, default the journal's store).",
            "",
            "Examples:",
            "  teefs run journal --config /etc/teefs/teefs.toml",
            "  teefs run mirror disk1 --config /etc/teefs/teefs.toml",
        })
public final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "1..2", paramLabel = "ROLE", description = "journal | broadcast | mirror NAME")
    List<String> role;

    @Option(names = "--config", paramLabel = "FILE", description = "TOML config. Default: the ./teefs-data layout")
    Path config;

    @Option(names = "--print", description = "Print the teefs command it would run, and exit.")
    boolean print;

    @Override
    public Integer call() throws Exception {
        UpConfig c = config == null ? UpConfig.defaults(Path.of("").toAbsolutePath()) : UpConfig.load(config);
        List<String> args;
        UpConfig.Mirror mirror = null;
        switch (role.get(0)) {
            case "journal" -> args = c.journal().args(); // teefs journal detaches a stale mount itself
            case "broadcast" -> args = c.broadcast().args(c.journal().queue());
            case "mirror" -> {
                if (role.size() < 2) {
                    throw new UserError("which mirror? e.g. teefs run mirror disk1 (names: "
                            + c.mirrors().stream().map(UpConfig.Mirror::name).toList() + ")");
                }
                mirror = c.mirror(role.get(1));
                args = mirror.args(false);
            }
            default -> throw new UserError("'" + role.get(0) + "' is not a role: write journal, broadcast or mirror NAME");
        }
        if (print) {
            System.out.println("teefs " + String.join(" ", args));
            return 0;
        }
        if (mirror != null && !mirror.needsMount()) {
            java.nio.file.Files.createDirectories(mirror.target());
        }
        int code = Main.run(args.toArray(String[]::new));
        if (mirror != null && code == Supervisor.MIRROR_MUST_BOOTSTRAP) {
            System.err.println("teefs run: mirror " + mirror.name() + " must bootstrap; bootstrapping from "
                    + mirror.bootstrapSource());
            code = Main.run(mirror.args(true).toArray(String[]::new));
        }
        return code;
    }
}
