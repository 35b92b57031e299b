package teefs.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
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
                + "fall out of the retained journal (they would have to bootstrap), and clients that hold retention "
                + "back (a mirror gone for good: 'teefs forget NAME'). Exit status 3 when there is a WARN line.",
            "",
            "Examples:",
            "  teefs status --server unix:/run/teefs/teefs.sock",
            "  teefs status --server tcp://backup:7070 --server-cert keys/server.crt \\",
            "      --token-file keys/token",
        })
final class StatusCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "ADDR", defaultValue = "unix:teefs-data/teefs.sock",
            description = "The server: unix:PATH or tcp://HOST:PORT. Default: ${DEFAULT-VALUE}")
    String server;

    @Mixin
    ClientCredentials credentials;

    @Override
    public Integer call() throws Exception {
        StatusReply s;
        try {
            ClientOptions options = new ClientOptions().address(ListenAddress.parse(server))
                    .credential(credentials.token()).tls(credentials.tls());
            s = StatusClient.fetch(options, 10_000);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
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
            if (!c.getWarning().isEmpty()) {
                out.println("WARN " + c.getName() + ": " + c.getWarning());
                warnings++;
            }
        }
        out.flush();
        return warnings == 0 ? 0 : 3;
    }
}
