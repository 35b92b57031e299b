package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTls;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;

/**
 * {@code teefs forget} against a real server on a Unix socket: forgets, refuses, and status agrees; over TLS with
 * client certificates, a certificate forgets only its own name.
 */
@Timeout(120)
class ForgetCommandTest {
    @TempDir
    Path dir;

    @Test
    void aServerThatIsNotThereIsNamedWithTheMissingSocket() throws Exception {
        Path socket = dir.resolve("nobody.sock");
        for (String command : new String[] {"status", "forget"}) {
            ClientTlsCommandsTest.Run run = command.equals("status")
                    ? ClientTlsCommandsTest.teefs("status", "--server", "unix:" + socket)
                    : ClientTlsCommandsTest.teefs("forget", "--server", "unix:" + socket, "someone");
            assertThat(run.code()).as(command).isEqualTo(1);
            assertThat(run.err()).as(command).contains("cannot connect to unix:" + socket)
                    .contains("there is no socket at " + socket).contains("is 'teefs broadcast' running there?")
                    .doesNotContain("null").doesNotContain("\tat ");
        }
    }

    @Test
    void forgetsADisconnectedClientAndRefusesWhatItCannotForget() throws Exception {
        Path q = dir.resolve("queue");
        String socket = "unix:" + dir.resolve("s.sock");
        try (TestJournal journal = new TestJournal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse(socket)).conclude())) {
            long last = journal.append(5);
            for (String name : new String[] {"gone", "alive"}) {
                try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(socket).name(name)
                        .fromOldest(), (i, b, o, l) -> { })) {
                    streamAndAck(server, c, name, last);
                }
            }
            ClientTlsCommandsTest.Run status = ClientTlsCommandsTest.teefs("status", "--server", socket);
            assertThat(status.out()).contains("gone").contains("alive");

            ClientTlsCommandsTest.Run forgot = ClientTlsCommandsTest.teefs("forget", "--server", socket, "gone");
            assertThat(forgot.code()).as(forgot.err()).isZero();
            assertThat(forgot.out()).contains("forgot client gone (it had acked index " + last + ")")
                    .contains("retention no longer keeps the journal for it");
            assertThat(Files.exists(q.resolve("clients/gone.pos"))).isFalse();
            assertThat(ClientTlsCommandsTest.teefs("status", "--server", socket).out()).doesNotContain("gone")
                    .contains("alive");

            ClientTlsCommandsTest.Run unknown = ClientTlsCommandsTest.teefs("forget", "--server", socket, "gone");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("UNKNOWN_CLIENT").contains("no client named 'gone'")
                    .contains("[alive]").doesNotContain("\tat ");

            try (BroadcastClient alive = BroadcastClient.connect(new ClientOptions().address(socket).name("alive")
                    .resumeAfter(last), (i, b, o, l) -> { })) {
                ClientTlsCommandsTest.Run connected = ClientTlsCommandsTest.teefs("forget", "--server", socket, "alive");
                assertThat(connected.code()).isEqualTo(1);
                assertThat(connected.err()).contains("CLIENT_CONNECTED").contains("from a Unix socket")
                        .contains("stop that mirror first");
            }
            ClientTlsCommandsTest.Run usage = ClientTlsCommandsTest.teefs("forget", "--server", socket);
            assertThat(usage.code()).isEqualTo(2);
            assertThat(usage.err()).contains("Missing required parameter: 'NAME'");
        }
    }

    @Test
    void aClientCertificateForgetsOnlyTheClientItNames() throws Exception {
        Path keys = dir.resolve("keys");
        KeyMaterialGenerator.generate(keys, java.util.List.of(), 30);
        Path clients = keys.resolve(KeyMaterialGenerator.CLIENTS);
        KeyMaterialGenerator.generateClient(keys, "disk1", 30, clients);
        KeyMaterialGenerator.generateClient(keys, "disk2", 30, clients);
        Path q = dir.resolve("queue");
        String socket = "unix:" + dir.resolve("s.sock");
        try (TestJournal journal = new TestJournal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0")).listen(ListenAddress.parse(socket))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).clientCa(clients).conclude())) {
            long last = journal.append(3);
            String tcp = server.addresses().get(0).toString();
            for (String name : new String[] {"disk1", "disk2"}) {
                try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(tcp).name(name).fromOldest()
                        .tls(ClientTls.of(keys.resolve("server.crt"), null, keys.resolve(name + ".crt"),
                                keys.resolve(name + ".key"))), (i, b, o, l) -> { })) {
                    streamAndAck(server, c, name, last);
                }
            }
            String[] asDisk1 = {"--server", tcp, "--server-cert", keys.resolve("server.crt").toString(),
                "--client-cert", keys.resolve("disk1.crt").toString(), "--client-key", keys.resolve("disk1.key").toString()};
            ClientTlsCommandsTest.Run other = ClientTlsCommandsTest.teefs(concat("forget", asDisk1, "disk2"));
            assertThat(other.code()).isEqualTo(1);
            assertThat(other.err()).contains("CERTIFICATE_NAME_MISMATCH")
                    .contains("may forget only the client it names, 'disk1'").contains("teefs forget --server unix:")
                    .doesNotContain("\tat ");
            assertThat(server.status().getClientsList()).anyMatch(c -> c.getName().equals("disk2")
                    && c.getAckedIndex() == last);

            // the server's host, over the Unix socket, may; and disk1's own certificate may forget disk1
            assertThat(forgetOnceDisconnected("forget", "--server", socket, "disk2").out()).contains("forgot client disk2");
            assertThat(forgetOnceDisconnected(concat("forget", asDisk1, "disk1")).out()).contains("forgot client disk1");
            assertThat(server.status().getClientsList()).isEmpty();
        }
    }

    /** Runs a forget until the client is no longer seen as connected (the server notices a close asynchronously). */
    private static ClientTlsCommandsTest.Run forgetOnceDisconnected(String... args) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ClientTlsCommandsTest.Run run;
        while ((run = ClientTlsCommandsTest.teefs(args)).code() != 0) {
            assertThat(run.err()).contains("CLIENT_CONNECTED");
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        return run;
    }

    private static String[] concat(String first, String[] middle, String last) {
        String[] all = new String[middle.length + 2];
        all[0] = first;
        System.arraycopy(middle, 0, all, 1, middle.length);
        all[all.length - 1] = last;
        return all;
    }

    /** Waits until {@code c} has everything up to {@code last}, acks it, and waits until the server shows the ack. */
    private static void streamAndAck(BroadcastServer server, BroadcastClient c, String name, long last)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (c.lastDeliveredIndex() < last) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        c.ack(last);
        while (server.status().getClientsList().stream().noneMatch(s -> s.getName().equals(name)
                && s.getAckedIndex() == last)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
