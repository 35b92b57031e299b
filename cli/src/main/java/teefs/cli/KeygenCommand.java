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
                + "certificate and key, and a random client token; or, with --client NAME, a client certificate "
                + "for a server that requires them (--client-ca).",
            "",
            "Server: writes DIR/server.crt (copy it to clients: their --server-cert), DIR/server.key and DIR/token "
                + "(both mode 0600; copy the token to clients: their --token-file).",
            "",
            "Client: writes DIR/NAME.crt and DIR/NAME.key (mode 0600: the client's --client-cert and --client-key) "
                + "and appends NAME.crt, under a comment naming it, to --trust-file (default DIR/clients.pem): the "
                + "server's --client-ca. Run it on the server and copy the pair to the client, or run it on the "
                + "client and append NAME.crt to the server's file. Then send the server SIGHUP (systemctl reload "
                + "teefs-broadcast). To revoke a client, delete its block from the file and SIGHUP again.",
            "",
            "A client certificate is an identity: NAME.crt says CN=NAME, and the server lets it connect only as "
                + "the mirror named NAME (its --name), never as another (CERTIFICATE_NAME_MISMATCH). A CA's client "
                + "certificates work the same way: exactly one CN, a valid client name, no wildcard.",
            "",
            "Never overwrites.",
            "",
            "Examples:",
            "  teefs keygen --out /etc/teefs/keys --name backup.lan --name 192.168.1.20",
            "  teefs keygen --out /etc/teefs/keys --client disk3",
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

    @Option(names = "--client", paramLabel = "NAME",
            description = "Make a client certificate for NAME (the mirror's --name: the server lets the certificate "
                + "connect under that name only) instead of the server's files.")
    String client;

    @Option(names = "--trust-file", paramLabel = "PEM",
            description = "With --client: the file its certificate is appended to, the server's --client-ca. "
                + "Default: DIR/" + KeyMaterialGenerator.CLIENTS)
    Path trustFile;

    @Option(names = "--days", paramLabel = "N", defaultValue = "825",
            description = "Validity of the certificate in days. Default: ${DEFAULT-VALUE}")
    int days;

    @Override
    public Integer call() throws Exception {
        if (days <= 0) {
            throw new UserError("--days must be positive");
        }
        var w = spec.commandLine().getOut();
        if (client != null) {
            if (!names.isEmpty()) {
                throw new UserError("--name is for the server's certificate; a client certificate is named by --client");
            }
            List<Path> files = KeyMaterialGenerator.generateClient(out, client, days,
                    trustFile == null ? out.resolve(KeyMaterialGenerator.CLIENTS) : trustFile);
            w.println("wrote " + files.get(0));
            w.println("wrote " + files.get(1));
            w.println("appended " + files.get(0).getFileName() + " to " + files.get(2));
            w.println();
            w.println("server:  teefs broadcast ... --client-ca " + files.get(2)
                    + "   (already running: send it SIGHUP to read the file again)");
            w.println("client:  teefs mirror ... --name " + client + " --client-cert " + files.get(0)
                    + " --client-key " + files.get(1) + " --server-cert server.crt (copy these over)");
            w.flush();
            return 0;
        }
        if (trustFile != null) {
            throw new UserError("--trust-file goes with --client NAME");
        }
        List<Path> files = KeyMaterialGenerator.generate(out, names, days);
        files.forEach(f -> w.println("wrote " + f));
        w.println();
        w.println("server:  teefs broadcast ... --listen tcp://0.0.0.0:7070 --tls-cert " + files.get(0)
                + " --tls-key " + files.get(1) + " --token-file " + files.get(2));
        w.println("clients: --server-cert " + files.get(0) + " --token-file " + files.get(2) + " (copy both over)");
        w.println("client certificates too: teefs keygen --out " + out + " --client NAME");
        w.flush();
        return 0;
    }
}
