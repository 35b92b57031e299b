package teefs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import teefs.broadcast.server.KeyMaterialGenerator;

@Command(name = "keygen",
        mixinStandardHelpOptions = true,
        description = {
            "Make what a broadcast server needs to listen beyond loopback, for home use: a self-signed TLS "
                + "certificate and key, and a random client token.",
            "",
            "Writes DIR/server.crt (give it to clients as --tls-trust), DIR/server.key and DIR/token (both mode "
                + "0600; give the token to clients as --token-file). Never overwrites.",
            "",
            "Example:",
            "  teefs keygen --out /etc/teefs/keys --name backup.lan --name 192.168.1.20",
        })
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "teefs-data/keys",
            description = "Directory for the files (created if missing). Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--name", paramLabel = "HOST",
            description = "A DNS name or IP address clients use to reach the server (repeatable); localhost and "
                + "127.0.0.1 are always included.")
    List<String> names = new ArrayList<>();

    @Option(names = "--days", paramLabel = "N", defaultValue = "825",
            description = "Validity of the certificate in days. Default: ${DEFAULT-VALUE}")
    int days;

    @Override
    public Integer call() throws Exception {
        if (days <= 0) {
            throw new UserError("--days must be positive");
        }
        List<Path> files = KeyMaterialGenerator.generate(out, names, days);
        var w = spec.commandLine().getOut();
        files.forEach(f -> w.println("wrote " + f));
        w.println();
        w.println("server:  teefs broadcast ... --listen tcp://0.0.0.0:7070 --tls-cert " + files.get(0)
                + " --tls-key " + files.get(1) + " --token-file " + files.get(2));
        w.println("clients: --tls-trust " + files.get(0) + " --token-file " + files.get(2) + " (copy both over)");
        w.flush();
        return 0;
    }
}
