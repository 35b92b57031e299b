package teefs.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ForgetClient;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.net.ListenAddress;
import teefs.protocol.control.ForgetReply;

@Command(name = "forget",
        mixinStandardHelpOptions = true,
        description = {
            "Make a broadcast server forget a client that is gone for good (a dead drive, a retired mirror), so "
                + "retention stops keeping the journal for it.",
            "",
            "The server remembers every client that ever acked (QUEUE/clients/NAME.pos) and never trims journal a "
                + "registered client still needs: one mirror that never comes back keeps the journal growing until "
                + "--retain-max-size or --retain-max-age (if set) drops it. 'teefs status' warns about such a client "
                + "(\"holds back ...\"). Forgetting deletes its saved position and runs a retention pass at once.",
            "",
            "A connected client is not forgotten (it would register again at once): stop that mirror first. If a "
                + "forgotten mirror comes back later, it is told to bootstrap when its position is no longer retained.",
            "",
            "Who may forget: anyone on the server's host, over its Unix socket (with the token if the server has a "
                + "token file); over TCP, a token holder; but a connection with a client certificate only the client "
                + "that certificate names (so one mirror's key cannot drop another mirror's position). Forget other "
                + "clients of such a server on its host, over the Unix socket.",
            "",
            "Exit status: 0 forgotten, 1 server unreachable or refused (the message says why), 2 usage error.",
            "",
            "Examples:",
            "  teefs forget disk2                 # the server on unix:teefs-data/teefs.sock",
            "  teefs forget --server unix:/run/teefs/teefs.sock disk2",
            "  teefs forget --server tcp://backup:7070 --server-cert keys/server.crt \\",
            "      --token-file keys/token disk2",
        })
final class ForgetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "ADDR", defaultValue = "unix:teefs-data/teefs.sock",
            description = "The server: unix:PATH or tcp://HOST:PORT. Default: ${DEFAULT-VALUE}")
    String server;

    @Mixin
    ClientCredentials credentials;

    @Parameters(paramLabel = "NAME", description = "The client's name, as 'teefs status' lists it.")
    String name;

    @Override
    public Integer call() {
        ForgetReply reply;
        try {
            ClientOptions options = new ClientOptions().address(ListenAddress.parse(server))
                    .credential(credentials.token()).tls(credentials.tls());
            reply = ForgetClient.forget(options, name, 30_000);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (RefusedException e) {
            throw new UserError(e.getMessage(), 1);
        } catch (BroadcastClientException e) {
            throw new UserError(e.getMessage(), 1);
        }
        var out = spec.commandLine().getOut();
        out.println("forgot client " + reply.getClientName() + " (it had acked index " + reply.getAckedIndex()
                + "); retention no longer keeps the journal for it: "
                + (reply.getCyclesTrimmed() == 0 ? "nothing to trim now (other clients or the retention floor "
                        + "still need it, or it held nothing back)"
                        : reply.getCyclesTrimmed() + " queue cycle file" + (reply.getCyclesTrimmed() == 1 ? "" : "s")
                                + " trimmed"));
        out.flush();
        return 0;
    }
}
