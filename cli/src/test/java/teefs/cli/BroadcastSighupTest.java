package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTls;
import teefs.broadcast.client.ClientTlsException;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.client.StatusClient;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.ErrorCode;

/**
 * A real {@code teefs broadcast} process (its own JVM, started like bin/teefs) with TLS, a token and client
 * certificates. The token file, the TLS pair and the client CA file are all replaced, then the process gets
 * {@code kill -HUP}: the client connected before keeps streaming on the same connection, new clients need the new
 * token, the new server certificate and a certificate the new CA file trusts (under the name it carries), and the
 * server's log says why it refused each one. A reload from a broken file changes nothing.
 *
 * <p>Every wait is on a condition (a log line, a record count) with a deadline, never a fixed sleep.
 */
@Timeout(300) // one JVM start, which is slow on a loaded 2-CPU machine
class BroadcastSighupTest {
    private static final Pattern SERVING = Pattern.compile("teefs broadcast: serving .* on \\[(tcp://127\\.0\\.0\\.1:\\d+)]");

    @TempDir
    Path tmp;
    Process server;
    Path log;

    @AfterEach
    void stopServer() throws Exception {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sighupRotatesTokenTlsPairAndClientCaWhileTheConnectedClientStreamsOn() throws Exception {
        Path keys = tmp.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        Path clientCa = keys.resolve(KeyMaterialGenerator.CLIENTS);
        KeyMaterialGenerator.generateClient(keys, "disk1", 30, clientCa);
        String oldToken = token(keys.resolve("token"));
        // what the files become: another server pair and token, a CA file that trusts disk2 only
        Path next = tmp.resolve("next");
        KeyMaterialGenerator.generate(next, List.of(), 30);
        KeyMaterialGenerator.generateClient(next, "disk2", 30, next.resolve(KeyMaterialGenerator.CLIENTS));
        String newToken = token(next.resolve("token"));
        // clients keep their own copies of the server certificates
        Path oldServerCert = Files.copy(keys.resolve("server.crt"), tmp.resolve("old-server.crt"));
        Path newServerCert = Files.copy(next.resolve("server.crt"), tmp.resolve("new-server.crt"));

        Path q = tmp.resolve("queue");
        try (TestJournal journal = new TestJournal(q)) {
            journal.append(100);
            ListenAddress address = start(q, keys);

            AtomicInteger received = new AtomicInteger();
            ClientOptions before = new ClientOptions().address(address).name("disk1").fromOldest()
                    .credential(oldToken).connectTimeout(Duration.ofSeconds(30))
                    .tls(ClientTls.of(oldServerCert, null, keys.resolve("disk1.crt"), keys.resolve("disk1.key")));
            try (BroadcastClient connected = BroadcastClient.connect(before, (i, b, o, l) -> received.incrementAndGet())) {
                await(() -> received.get() == 100, "the first 100 records");
                long since = status(before, "disk1").getConnectedSinceUnixMillis();

                // rotate every credential file in place (atomically, as an editor or a deploy tool would), then HUP
                replace(keys.resolve("token"), "# rotated\n" + newToken + "\n");
                replace(keys.resolve("server.crt"), Files.readString(next.resolve("server.crt")));
                replace(keys.resolve("server.key"), Files.readString(next.resolve("server.key")));
                replace(clientCa, Files.readString(next.resolve(KeyMaterialGenerator.CLIENTS)));
                hangUp();
                awaitLog("credentials and TLS material reloaded", 1);

                // the connection made before the reload streams on, undisturbed
                journal.append(50);
                await(() -> received.get() == 150, "the 50 records appended after SIGHUP");
                assertThat(connected.isConnected()).isTrue();
                assertThat(connected.closeCause()).isNull();

                ClientOptions disk2 = new ClientOptions().address(address).name("disk2").fromOldest()
                        .credential(newToken).connectTimeout(Duration.ofSeconds(30))
                        .tls(ClientTls.of(newServerCert, null, next.resolve("disk2.crt"), next.resolve("disk2.key")));
                // the old token is refused
                assertThatThrownBy(() -> BroadcastClient.connect(copy(disk2).credential(oldToken), (i, b, o, l) -> { }))
                        .isInstanceOfSatisfying(RefusedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_CREDENTIAL));
                // the old server certificate no longer matches what the server presents
                assertThatThrownBy(() -> BroadcastClient.connect(copy(disk2).tls(ClientTls.of(oldServerCert, null,
                        next.resolve("disk2.crt"), next.resolve("disk2.key"))), (i, b, o, l) -> { }))
                        .isInstanceOf(ClientTlsException.class).hasMessageContaining("is not the one pinned by --server-cert");
                // disk1's certificate is no longer in the client CA file
                assertThatThrownBy(() -> BroadcastClient.connect(copy(disk2).tls(ClientTls.of(newServerCert, null,
                        keys.resolve("disk1.crt"), keys.resolve("disk1.key"))), (i, b, o, l) -> { }))
                        .isInstanceOf(ClientTlsException.class).hasMessageContaining("refused this client's certificate");
                // disk2's certificate, trusted now, still cannot act as disk1 (whose connection streams on)
                assertThatThrownBy(() -> BroadcastClient.connect(copy(disk2).name("disk1"), (i, b, o, l) -> { }))
                        .isInstanceOfSatisfying(RefusedException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);
                            assertThat(e.getMessage()).contains("--name disk2");
                        });
                // everything new is accepted
                AtomicInteger afterReceived = new AtomicInteger();
                try (BroadcastClient after = BroadcastClient.connect(disk2, (i, b, o, l) -> afterReceived.incrementAndGet())) {
                    await(() -> afterReceived.get() == 150, "a new client's stream");
                }

                // a reload from a broken file is refused as a whole and changes nothing
                replace(keys.resolve("token"), "# no token here\n");
                hangUp();
                awaitLog("reload failed, keeping the old credentials", 1);
                BroadcastClient.connect(copy(disk2), (i, b, o, l) -> { }).close();

                journal.append(1);
                await(() -> received.get() == 151, "a record appended after the failed reload");
                assertThat(connected.isConnected()).isTrue();
                assertThat(status(disk2, "disk1").getConnectedSinceUnixMillis()).isEqualTo(since);
            }
        }
        String out = Files.readString(log);
        System.out.println("teefs broadcast's log:\n" + out); // surefire keeps it in the report's -output.txt
        assertThat(out).contains("refused: BAD_CREDENTIAL")
                .contains("refused: TLS: the client's certificate (CN=disk1")
                .contains("is not trusted by --client-ca " + clientCa)
                .contains("refused: TLS: the client ended the handshake with TLS alert")
                .contains("token file " + keys.resolve("token") + " holds no token")
                .contains("WARN teefs.broadcast.server.HandshakeHandler")
                .contains("refused: CERTIFICATE_NAME_MISMATCH client name 'disk1' is not the name in this "
                        + "connection's client certificate, 'disk2'")
                .doesNotContain("\tat "); // user mistakes, not bugs: no stack trace
    }

    private ListenAddress start(Path q, Path keys) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle")) {
                command.add(a);
            }
        }
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "teefs.cli.Main", "broadcast", "--queue", q.toString(), "--listen", "tcp://127.0.0.1:0",
                "--tls-cert", keys.resolve("server.crt").toString(), "--tls-key", keys.resolve("server.key").toString(),
                "--token-file", keys.resolve("token").toString(),
                "--client-ca", keys.resolve(KeyMaterialGenerator.CLIENTS).toString()));
        log = tmp.resolve("broadcast.log");
        server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            Matcher m = SERVING.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return ListenAddress.parse(m.group(1));
            }
            assertThat(server.isAlive()).as("teefs broadcast running; log:\n%s", Files.exists(log) ? Files.readString(log) : "").isTrue();
            assertThat(System.nanoTime()).as("teefs broadcast started in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private final java.util.Map<String, Integer> seen = new java.util.HashMap<>();

    /** Waits for {@code count} more occurrences of {@code text} in the server's log than were awaited before. */
    private void awaitLog(String text, int count) throws Exception {
        int want = seen.getOrDefault(text, 0) + count;
        await(() -> occurrences(Files.readString(log), text) >= want, "'" + text + "' in the server's log");
        seen.put(text, want);
    }

    private static int occurrences(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private void await(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.holds()) {
            assertThat(server.isAlive()).as("teefs broadcast still running while waiting for " + what).isTrue();
            assertThat(System.nanoTime()).as("waiting for " + what + "; server log:\n" + Files.readString(log))
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static ClientStatus status(ClientOptions credentials, String name) {
        return StatusClient.fetch(credentials, 30_000).getClientsList().stream()
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static ClientOptions copy(ClientOptions o) {
        return new ClientOptions().address(o.address()).name(o.name()).fromOldest().credential(o.credential())
                .tls(o.tls()).connectTimeout(o.connectTimeout());
    }

    private static String token(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
    }

    /** Writes a sibling temp file and renames it over {@code file}: a reader sees the old or the new content. */
    private static void replace(Path file, String content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".new");
        Files.writeString(temp, content, StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
