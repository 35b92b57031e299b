package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import teefs.cli.UserError;

@Command(name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restart one role of a running 'teefs up' while the others (and the mount) stay up.",
            "",
            "broadcast: clients reconnect and resume where they were. mirror NAME: the mirror resumes from its last "
                + "applied index (also the way to retry a mirror left stopped). journal: unmounts and mounts again "
                + "(writers on the mount see errors meanwhile). Waits until the role is back and prints its new pid.",
            "",
            "Examples:",
            "  teefs restart broadcast",
            "  teefs restart mirror disk1 --config /etc/teefs/teefs.toml",
            "  teefs restart status        # print the supervisor's screen once",
            "",
            "Under systemd, each role is its own unit instead: systemctl restart teefs-broadcast / teefs-mirror@disk1.",
        })
public final class RestartCommand implements Callable<Integer> {
    @Parameters(arity = "1..2", paramLabel = "ROLE", description = "broadcast | mirror NAME | journal | status")
    List<String> role;

    @Option(names = "--config", paramLabel = "FILE", description = "The config 'teefs up' runs with "
            + "(to find its control socket). Default: the ./teefs-data layout")
    Path config;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The control socket itself "
            + "(config key 'control'; default teefs-data/teefs-up.sock).")
    Path control;

    @Override
    public Integer call() {
        String first = role.get(0);
        String command;
        if (first.equals("status")) {
            command = "status";
        } else if (first.equals("mirror")) {
            if (role.size() < 2) {
                throw new UserError("which mirror? e.g. teefs restart mirror disk1");
            }
            command = "restart mirror " + role.get(1);
        } else if (first.equals("broadcast") || first.equals("journal")) {
            command = "restart " + first;
        } else {
            throw new UserError("'" + first + "' is not a role: write broadcast, mirror NAME, journal or status");
        }
        Path socket = UpCommand.controlPath(config, control);
        String reply;
        try {
            reply = ControlSocket.send(socket, command);
        } catch (IOException e) {
            throw new UserError("cannot reach 'teefs up' at " + socket + ": " + e.getMessage()
                    + " (is it running? a leftover socket file of a killed one can be deleted)", 1);
        }
        System.out.println(reply);
        return reply.startsWith("error") ? 1 : 0;
    }
}
