package teefs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import teefs.mirror.session.Bootstrapper;
import teefs.mirror.session.Mirror;
import teefs.mirror.session.MirrorException;
import teefs.mirror.session.MirrorOptions;
import teefs.mirror.session.SyncMode;

@Command(name = "mirror",
        mixinStandardHelpOptions = true,
        description = {
            "Keep TARGET an exact, live copy of the landing zone: stream the journal from a 'teefs broadcast'"
                    + " server and apply every record onto TARGET, forever.",
            "",
            "The mirror saves its position (queue id, last applied index, open-file handles) in --state, atomically"
                    + " and only after TARGET's data up to that index is durable; after a crash or a kill it resumes"
                    + " exactly there. When the connection drops it reconnects with backoff and jitter; when TARGET"
                    + " fills up or vanishes (its drive unmounted, even lazily) it pauses and resumes once it is back."
                    + " The position names the directory it was saved for: on another one (the empty mount point of a"
                    + " drive not mounted, a new drive) the mirror pauses and says so. Nothing outside TARGET is ever"
                    + " touched. State changes are printed one line each.",
            "",
            "A new mirror (or one whose position fell out of the server's retention, or a replaced drive) starts"
                    + " with --bootstrap --source STORE: it notes the server's head index, copies STORE with"
                    + " rsync -aHAX --inplace --delete, then streams from that index. --bootstrap always copies."
                    + " The records journaled while rsync copied (the bootstrap window) are applied with repairs: each"
                    + " rename and link copies its destination again from --source, so a remote --source must stay"
                    + " reachable until the mirror has applied them; a restart meanwhile goes on repairing.",
            "",
            "Exit status: 0 stopped by SIGTERM/SIGINT (position saved), 2 usage or configuration error,"
                    + " 3 a record that cannot be applied or trusted (the message names its index),"
                    + " 4 no usable position for this queue: run with --bootstrap.",
            "",
            "Examples:",
            "  teefs mirror --connect unix:/run/teefs/teefs.sock --target /pool/disk1 \\",
            "      --bootstrap --source /srv/store",
            "  teefs mirror --connect unix:/run/teefs/teefs.sock --target /pool/disk1",
            "  teefs mirror --connect tcp://127.0.0.1:7070 --target /pool/disk2 --sync always",
            "  teefs mirror --connect tcp://backup.lan:7070 --target /pool/disk3 \\",
            "      --server-cert keys/server.crt --token-file keys/token \\",
            "      --client-cert keys/disk3.crt --client-key keys/disk3.key",
            "",
            "Off loopback the server requires TLS: trust it with --server-cert (a copy of its server.crt) or"
                    + " --server-ca, and present what it requires: --token-file, and/or --client-cert and"
                    + " --client-key. A client certificate names one mirror (its CN): --name must be that name"
                    + " ('teefs keygen --client NAME' makes CN=NAME). A server this mirror does not trust, one that"
                    + " refuses its certificate, or a certificate made for another name stops it with exit 2. While"
                    + " a mirror of the same name is connected from another address the server refuses this one"
                    + " (NAME_IN_USE) and it retries.",
            "",
        })
final class MirrorCommand implements Callable<Integer> {
    @Option(names = "--connect", paramLabel = "ADDR", required = true,
            description = "The broadcast server: unix:/path or tcp://host:port.")
    String connect;

    @Option(names = "--target", paramLabel = "DIR", required = true,
            description = "The directory to keep identical to STORE (created by --bootstrap).")
    Path target;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Client name shown by the server (A-Z a-z 0-9 . _ -); with --client-cert, the name in "
                + "the certificate (its CN). Default: TARGET's directory name.")
    String name;

    @Option(names = "--state", paramLabel = "FILE",
            description = "Position file. Default: <parent of TARGET>/.<target name>.teefs-state (never inside TARGET).")
    Path state;

    @Option(names = "--sync", paramLabel = "MODE", defaultValue = "batch",
            description = "none | batch | always: how often TARGET is made durable (syncfs) and the position saved."
                + " Default: ${DEFAULT-VALUE}")
    String sync;

    @Option(names = "--batch-ms", paramLabel = "MS", defaultValue = "1000",
            description = "With --sync batch (and none): save the position at most this long after a record."
                + " Default: ${DEFAULT-VALUE}")
    long batchMs;

    @Mixin
    ClientCredentials credentials;

    @Option(names = "--bootstrap", description = "Copy the tree from --source first, then stream from the head.")
    boolean bootstrap;

    @Option(names = "--source", paramLabel = "STORE_OR_RSYNC_URL",
            description = "What --bootstrap copies: STORE's directory, or an rsync URL of it (host:/srv/store).")
    String source;

    @Option(names = "--needs-mount",
            description = "TARGET is on a drive of its own: a filesystem other than / must be mounted at TARGET or"
                    + " above it. Until one is, the mirror waits (paused) and a bootstrap copies nothing, so a drive"
                    + " that did not mount is never filled in on the root filesystem.")
    boolean needsMount;

    @Override
    public Integer call() throws Exception {
        LibcBinding.startInBackground();
        MirrorOptions options;
        try {
            options = new MirrorOptions().address(connect).target(target).name(name).stateFile(state)
                    .sync(SyncMode.parse(sync)).batch(Duration.ofMillis(batchMs)).credential(credentials.token())
                    .tls(credentials.tls()).needsMount(needsMount).conclude();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (source != null && !bootstrap) {
            throw new UserError("--source is only used with --bootstrap");
        }
        if (!bootstrap && !needsMount && !Files.isDirectory(options.target())) {
            throw new UserError("--target " + options.target() + " is not a directory: mount the drive, or create "
                    + "the mirror with --bootstrap --source STORE");
        }
        Mirror mirror = new Mirror(options, System.out);
        StopSignals.install(mirror::stop);
        try {
            if (bootstrap) {
                Bootstrapper b;
                try {
                    b = new Bootstrapper(options, source, mirror.log(), mirror::stopRequested);
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage());
                }
                if (!b.run()) {
                    return 0;
                }
            }
            mirror.run();
            return 0;
        } catch (MirrorException e) {
            System.err.println("teefs mirror: " + e.getMessage());
            return e.exitCode();
        }
    }

    /** SIGTERM and SIGINT stop the mirror cleanly (position saved, exit 0) through sun.misc.Signal. */
    static final class StopSignals {
        private StopSignals() {
        }

        static void install(Runnable stop) {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
            }
        }
    }
}
