package teefs.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.StatusClient;
import teefs.broadcast.net.ListenAddress;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

@Command(name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show a broadcast server's queue head and, for each client it knows, how far behind it is.",
            "",
            "Lag is counted from the client's last ack (what it durably applied) to the head: in records, bytes "
                + "and seconds (the time since its ack last reached the head). WARN lines name clients about to "
                + "fall out of the retained journal (they would have to bootstrap).",
            "",
            "Examples:",
            "  teefs status --server unix:/run/teefs/teefs.sock",
            "  teefs status --server tcp://backup:7070 --tls-trust keys/server.crt --token-file keys/token",
        })
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "ADDR", defaultValue = "unix:teefs-data/teefs.sock",
            description = "The server: unix:PATH or tcp://HOST:PORT. Default: ${DEFAULT-VALUE}")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Present the first token of FILE.")
    Path tokenFile;

    @Option(names = "--tls-trust", paramLabel = "PEM", description = "Connect with TLS, trusting this certificate.")
    Path tlsTrust;

    @Override
    public Integer call() throws Exception {
        ListenAddress address = ListenAddress.parse(server);
        String token = tokenFile == null ? "" : firstToken(tokenFile);
        StatusReply s;
        try {
            s = StatusClient.fetch(address, token, tlsTrust, 10_000);
        } catch (BroadcastClientException e) {
            throw new UserError(e.getMessage(), 1);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("queue %s  head %d  oldest %d  retained %s%n", s.getQueueId(), s.getHeadIndex(), s.getFirstIndex(),
                Sizes.format(s.getRetainedBytes()));
        out.printf("%-20s %-24s %18s %10s %10s %9s  %s%n", "CLIENT", "ADDRESS", "ACKED", "LAG-REC", "LAG-BYTES",
                "LAG-SEC", "CONNECTED SINCE");
        for (ClientStatus c : s.getClientsList()) {
            out.printf("%-20s %-24s %18d %10d %10s %9.1f  %s%n", c.getName(),
                    c.getConnected() ? c.getAddress() : "(disconnected)", c.getAckedIndex(), c.getLagRecords(),
                    Sizes.format(c.getLagBytes()), c.getLagSeconds(),
                    c.getConnected() ? TIME.format(Instant.ofEpochMilli(c.getConnectedSinceUnixMillis())) : "-");
        }
        int warnings = 0;
        for (ClientStatus c : s.getClientsList()) {
            if (c.getRetentionWarning()) {
                out.println("WARN " + c.getName() + ": " + c.getWarning());
                warnings++;
            }
        }
        out.flush();
        return warnings == 0 ? 0 : 3;
    }

    private static String firstToken(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .findFirst().orElseThrow(() -> new UserError("token file " + file + " holds no token"));
        } catch (java.io.IOException e) {
            throw new UserError("cannot read token file " + file + ": " + e.getMessage());
        }
    }

}
