package teefs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.RetentionPolicy;

@Command(name = "broadcast",
        mixinStandardHelpOptions = true,
        description = {
            "Serve the journal at QUEUE to mirrors over Unix sockets and TCP.",
            "",
            "Each client streams from its own position on its own thread: a slow or stalled client costs disk "
                + "space (the backlog stays in QUEUE), never memory, nor the speed of the mount or of other clients. "
                + "Clients ack what they applied; acks are saved in QUEUE/clients/ and decide retention.",
            "",
            "Restarting is routine, even after kill -9: the mount keeps journaling meanwhile and clients resume "
                + "where they were. SIGHUP re-reads --token-file, --client-ca and the TLS files without dropping "
                + "anyone (all or nothing: a file that cannot be used is named and everything stays as it was); "
                + "SIGTERM (or Ctrl-C) stops cleanly.",
            "",
            "Security: Unix sockets and loopback need nothing. Any other address needs TLS and a credential: run "
                + "'teefs keygen --out DIR' and add --tls-cert DIR/server.crt --tls-key DIR/server.key, then "
                + "--token-file DIR/token, or --client-ca FILE to require client certificates, or both (a client "
                + "then needs both). Clients trust the server with --server-cert (a copy of DIR/server.crt).",
            "",
            "Examples:",
            "  teefs broadcast --queue /var/lib/teefs/queue \\",
            "      --listen unix:/run/teefs/teefs.sock --listen tcp://127.0.0.1:7070 \\",
            "      --metrics tcp://127.0.0.1:9407",
            "  teefs broadcast     # serves teefs-data/queue on unix:teefs-data/teefs.sock",
        })
final class BroadcastCommand implements Callable<Integer> {
    @Option(names = "--queue", paramLabel = "QUEUE", defaultValue = "teefs-data/queue",
            description = "The journal directory that 'teefs journal' writes. Default: ${DEFAULT-VALUE}")
    Path queue;

    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "unix:teefs-data/teefs.sock", split = ",",
            description = {"Where clients connect: unix:PATH or tcp://HOST:PORT. Repeat for several listeners. "
                + "Default: ${DEFAULT-VALUE} (systemd installs use unix:/run/teefs/teefs.sock)"})
    List<String> listen;

    @Option(names = "--metrics", paramLabel = "ADDR",
            description = "Serve Prometheus text metrics at http://ADDR/metrics, e.g. tcp://127.0.0.1:9407.")
    String metrics;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Clients must present one of the tokens in FILE (one per line). Required off loopback.")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate for TCP listeners.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Server private key (PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--client-ca", paramLabel = "PEM",
            description = "Require TLS clients to present a certificate this file trusts: the clients' own "
                + "certificates ('teefs keygen --client NAME' appends each to DIR/clients.pem; delete a block and "
                + "SIGHUP to revoke one) or a CA's certificate. A certificate connects only under the client name "
                + "that is its subject's CN. Needs --tls-cert; Unix sockets are not affected.")
    Path clientCa;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "1s",
            description = "Heartbeat interval both ways. Default: ${DEFAULT-VALUE}")
    String heartbeat;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Drop a client silent for this long (no ack, no heartbeat). Default: ${DEFAULT-VALUE}")
    String idleTimeout;

    @Option(names = "--hello-timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "Drop a connection that has not said hello within this time. Default: ${DEFAULT-VALUE}")
    String helloTimeout;

    @Option(names = "--retain-min-size", paramLabel = "SIZE", defaultValue = "1G",
            description = "Keep at least this much journal even when every client acked it. Default: ${DEFAULT-VALUE}")
    String retainMin;

    @Option(names = "--retain-max-size", paramLabel = "SIZE",
            description = "Never keep more than this: older hours go even if a client needs them (it must then "
                + "bootstrap; 'teefs status' warns first). Default: no limit")
    String retainMax;

    @Option(names = "--retain-max-age", paramLabel = "DURATION",
            description = "Never keep hours older than this, e.g. 7d. Default: no limit")
    String retainAge;

    @Override
    public Integer call() throws Exception {
        BroadcastConfig config = new BroadcastConfig().queueDir(queue)
                .heartbeatInterval(duration(heartbeat, "--heartbeat"))
                .idleTimeout(duration(idleTimeout, "--idle-timeout"))
                .helloTimeout(duration(helloTimeout, "--hello-timeout"))
                .retention(new RetentionPolicy(size(retainMin, "--retain-min-size"),
                        retainMax == null ? Long.MAX_VALUE : size(retainMax, "--retain-max-size"),
                        retainAge == null ? null : duration(retainAge, "--retain-max-age")))
                .tokenFile(tokenFile);
        for (String l : listen) {
            config.listen(ListenAddress.parse(l));
        }
        if (metrics != null) {
            config.metrics(ListenAddress.parse(metrics));
        }
        if (tlsCert != null || tlsKey != null) {
            config.tls(tlsCert, tlsKey);
        }
        config.clientCa(clientCa);
        config.conclude();
        BroadcastServer server = BroadcastServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SystemdNotify.stopping();
            server.close();
            stopped.countDown();
        }, "teefs-broadcast-shutdown"));
        SighupHandler.install(() -> {
            try {
                server.reloadCredentials();
            } catch (RuntimeException e) {
                System.err.println("teefs broadcast: reload failed, keeping the old credentials: " + e.getMessage());
            }
        });
        System.err.println("teefs broadcast: serving " + queue + " on " + server.addresses()
                + (server.metricsAddress() == null ? "" : ", metrics on " + server.metricsAddress()));
        SystemdNotify.ready("serving " + queue + " on " + server.addresses());
        stopped.await();
        return 0;
    }

    /** Sizes as people write them: 512, 64K, 64M, 2G, 1T (powers of 1024). */
    static long size(String text, String option) {
        String t = text.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UserError(option + " takes a size like 512M or 2G, not '" + text + "'");
        }
    }

    /** Durations as people write them: 500ms, 10s, 5m, 12h, 7d. */
    static Duration duration(String text, String option) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long v = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(v);
                case 'm' -> Duration.ofMinutes(v);
                case 'h' -> Duration.ofHours(v);
                case 'd' -> Duration.ofDays(v);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new UserError(option + " takes a duration like 500ms, 10s, 5m, 12h or 7d, not '" + text + "'");
        }
    }

    /** SIGHUP through sun.misc.Signal (jdk.unsupported): the only way to catch it in Java. */
    static final class SighupHandler {
        private SighupHandler() {
        }

        static void install(Runnable action) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
            } catch (IllegalArgumentException e) {
                System.err.println("teefs broadcast: SIGHUP is not available here (" + e.getMessage()
                        + "); restart the server to reload credentials");
            }
        }
    }
}
