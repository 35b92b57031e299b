package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;

/** The TLS flags of keygen, broadcast, mirror and status, as a user types them: outputs, exit codes, messages. */
@Timeout(120)
class ClientTlsCommandsTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run teefs(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void keygenMakesClientPairsAndSaysWhereEachFileGoes() throws Exception {
        Path keys = dir.resolve("keys");
        Run server = teefs("keygen", "--out", keys.toString(), "--days", "30");
        assertThat(server.code()).as(server.err()).isZero();
        assertThat(server.out()).contains("--server-cert " + keys.resolve("server.crt"))
                .contains("teefs keygen --out " + keys + " --client NAME");

        Run client = teefs("keygen", "--out", keys.toString(), "--client", "disk3", "--days", "30");
        assertThat(client.code()).as(client.err()).isZero();
        assertThat(keys.resolve("disk3.crt")).exists();
        assertThat(keys.resolve("disk3.key")).exists();
        assertThat(client.out()).contains("appended disk3.crt to " + keys.resolve("clients.pem"))
                .contains("--client-ca " + keys.resolve("clients.pem"))
                .contains("--client-cert " + keys.resolve("disk3.crt") + " --client-key " + keys.resolve("disk3.key"));
        Run second = teefs("keygen", "--out", keys.toString(), "--client", "disk4", "--trust-file",
                dir.resolve("elsewhere.pem").toString());
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(Files.readString(dir.resolve("elsewhere.pem"))).contains("# teefs client disk4");
        assertThat(Files.readString(keys.resolve("clients.pem"))).contains("# teefs client disk3").doesNotContain("disk4");

        Run again = teefs("keygen", "--out", keys.toString(), "--client", "disk3");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("disk3.crt exists").doesNotContain("\tat ");
        Run mixed = teefs("keygen", "--out", keys.toString(), "--client", "disk5", "--name", "host");
        assertThat(mixed.code()).isEqualTo(2);
        assertThat(mixed.err()).contains("--name is for the server's certificate");
    }

    @Test
    void settingsThatCannotWorkAreUsageErrorsNamingTheFlag() throws Exception {
        Run remote = teefs("mirror", "--connect", "tcp://192.0.2.1:7070", "--target", dir.resolve("t").toString());
        assertThat(remote.code()).isEqualTo(2);
        assertThat(remote.err()).contains("tcp://192.0.2.1:7070 is not loopback").contains("--server-cert FILE")
                .doesNotContain("\tat ");

        Path keys = dir.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        Run certOnly = teefs("mirror", "--connect", "tcp://192.0.2.1:7070", "--target", dir.resolve("t").toString(),
                "--client-cert", keys.resolve("server.crt").toString(), "--client-key", keys.resolve("server.key").toString());
        assertThat(certOnly.code()).isEqualTo(2);
        assertThat(certOnly.err()).contains("--client-cert needs --server-cert FILE or --server-ca FILE");

        Run both = teefs("status", "--server", "tcp://127.0.0.1:1", "--server-cert", keys.resolve("server.crt").toString(),
                "--server-ca", keys.resolve("server.crt").toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give either --server-cert").contains("not both");

        Run caWithoutTls = teefs("broadcast", "--queue", dir.resolve("q").toString(), "--listen", "tcp://127.0.0.1:0",
                "--client-ca", keys.resolve("server.crt").toString());
        assertThat(caWithoutTls.code()).isEqualTo(2);
        assertThat(caWithoutTls.err()).contains("--client-ca needs --tls-cert and --tls-key");

        Run tokenless = teefs("broadcast", "--queue", dir.resolve("q").toString(), "--listen", "tcp://0.0.0.0:0",
                "--tls-cert", keys.resolve("server.crt").toString(), "--tls-key", keys.resolve("server.key").toString());
        assertThat(tokenless.code()).isEqualTo(2);
        assertThat(tokenless.err()).contains("needs TLS and a credential").contains("--client-ca FILE");
    }

    @Test
    void statusOverTlsTrustsThePinnedCertificateOnlyAndSaysSo() throws Exception {
        Path keys = dir.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        Path other = dir.resolve("other");
        KeyMaterialGenerator.generate(other, List.of(), 30);
        Path q = dir.resolve("queue");
        try (TestJournal journal = new TestJournal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).tokenFile(keys.resolve("token"))
                     .conclude())) {
            journal.append(3);
            String address = server.addresses().get(0).toString();
            Run ok = teefs("status", "--server", address, "--server-cert", keys.resolve("server.crt").toString(),
                    "--token-file", keys.resolve("token").toString());
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("queue " + journal.queue.id());
            // the old flag name still works
            Run old = teefs("status", "--server", address, "--tls-trust", keys.resolve("server.crt").toString(),
                    "--token-file", keys.resolve("token").toString());
            assertThat(old.code()).as(old.err()).isZero();

            Run untrusted = teefs("status", "--server", address, "--server-cert", other.resolve("server.crt").toString(),
                    "--token-file", keys.resolve("token").toString());
            assertThat(untrusted.code()).isEqualTo(1);
            assertThat(untrusted.err()).contains("is not the one pinned by --server-cert " + other.resolve("server.crt"))
                    .contains("copy its new server.crt").doesNotContain("\tat ");
            Run plain = teefs("status", "--server", address, "--token-file", keys.resolve("token").toString());
            assertThat(plain.code()).isEqualTo(1);
            assertThat(plain.err()).contains("if it uses TLS on this address, pass --server-cert FILE");
        }
    }
}
