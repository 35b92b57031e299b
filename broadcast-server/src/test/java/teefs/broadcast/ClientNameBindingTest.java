package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTls;
import teefs.broadcast.client.ForgetClient;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.client.StatusClient;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.ErrorCode;

/**
 * With client certificates, a connection acts only as the client its certificate names (the subject's CN), over
 * real TLS sockets with certificates from {@code teefs keygen --client} and from a CA: impersonation is refused
 * and leaves the impersonated mirror's connection and position alone, certificates that name no client are refused,
 * and Forget over a certificate reaches only its own name.
 */
@Timeout(180)
class ClientNameBindingTest {
    @TempDir
    Path tmp;
    Path keys;
    Path clients;
    Journal journal;
    BroadcastServer server;
    ListenAddress tcp;
    ListenAddress unix;
    LogCapture log;

    @BeforeEach
    void serve() throws Exception {
        keys = tmp.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        clients = keys.resolve(KeyMaterialGenerator.CLIENTS);
        KeyMaterialGenerator.generateClient(keys, "disk1", 30, clients);
        KeyMaterialGenerator.generateClient(keys, "disk2", 30, clients);

        Path q = tmp.resolve("queue");
        journal = new Journal(q);
        journal.appendMany(10, 64);
        log = new LogCapture();
        server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                .listen(ListenAddress.parse("tcp://127.0.0.1:0")).listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock")))
                .tls(keys.resolve("server.crt"), keys.resolve("server.key")).clientCa(clients).conclude());
        tcp = server.addresses().get(0);
        unix = server.addresses().get(1);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (log != null) {
            log.close();
        }
    }

    private ClientOptions as(String name, Path cert, Path key) {
        return new ClientOptions().address(tcp).name(name).fromOldest().connectTimeout(Duration.ofSeconds(30))
                .tls(ClientTls.of(keys.resolve("server.crt"), null, cert, key));
    }

    private ClientOptions as(String name, String keygenName) {
        return as(name, keys.resolve(keygenName + ".crt"), keys.resolve(keygenName + ".key"));
    }

    private static RefusedException refused(ClientOptions o) {
        try (BroadcastClient c = BroadcastClient.connect(o, new Collector())) {
            throw new AssertionError("connected as " + o.name() + ", welcome " + c.welcome());
        } catch (RefusedException e) {
            return e;
        }
    }

    private ClientStatus status(String name) {
        return server.status().getClientsList().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Connects as {@code name}, receives everything, acks the last index and waits until the server has it. */
    private BroadcastClient streamingAndAcked(ClientOptions o, Collector c) throws Exception {
        BroadcastClient client = BroadcastClient.connect(o, c);
        long last = journal.queue.lastIndex();
        await(() -> c.lastIndex() == last, o.name() + " receiving up to " + last);
        client.ack(last);
        await(() -> status(o.name()).getAckedIndex() == last, o.name() + "'s ack of " + last);
        return client;
    }

    @Test
    void aCertificateCannotClaimAnotherClientsName() throws Exception {
        Collector disk2Records = new Collector();
        try (BroadcastClient disk2 = streamingAndAcked(as("disk2", "disk2"), disk2Records)) {
            long acked = status("disk2").getAckedIndex();
            String address = status("disk2").getAddress();

            // disk1's certificate claiming to be disk2: refused, naming both names and the fix
            RefusedException e = refused(as("disk2", "disk1"));
            assertThat(e.code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);
            assertThat(e.getMessage()).contains("client name 'disk2'").contains("client certificate, 'disk1'")
                    .contains("CN=disk1").contains("--name disk1").contains("teefs keygen --client disk2");
            // logged on the server, at warn
            log.awaitLine("WARN", "refused: CERTIFICATE_NAME_MISMATCH", "client name 'disk2'", "'disk1'");
            // it also cannot take a name nobody uses yet
            assertThat(refused(as("disk9", "disk1")).code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);

            // the real disk2 was not replaced and its position did not move
            assertThat(disk2.isConnected()).isTrue();
            assertThat(disk2.closeCause()).isNull();
            assertThat(status("disk2").getAckedIndex()).isEqualTo(acked);
            assertThat(status("disk2").getAddress()).isEqualTo(address);
            assertThat(server.status().getClientsList()).extracting(ClientStatus::getName).doesNotContain("disk9");
            journal.append(64);
            disk2Records.awaitSize(11, 30_000);

            // disk1's certificate under its own name streams
            Collector disk1Records = new Collector();
            try (BroadcastClient disk1 = BroadcastClient.connect(as("disk1", "disk1"), disk1Records)) {
                disk1Records.awaitSize(11, 30_000);
            }
            // names are compared exactly: DISK1 is another client
            assertThat(refused(as("DISK1", "disk1")).code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);
        }
    }

    @Test
    void aCaIssuedCertificateMustNameExactlyOneClient() throws Exception {
        // the trust file gains a CA (then SIGHUP): what it issued is trusted too, and bound by name the same way
        TestCa ca = TestCa.create(tmp.resolve("ca"));
        Files.writeString(clients, Files.readString(ca.certificate), StandardOpenOption.APPEND);
        server.reloadCredentials();
        TestCa.Issued disk3 = ca.issue("disk3", "CN=disk3,O=example");
        TestCa.Issued wildcard = ca.issue("wildcard", "CN=*.lan,O=example");
        TestCa.Issued nameless = ca.issue("nameless", "O=example,OU=mirrors");
        TestCa.Issued twoNames = ca.issue("two", "CN=disk4,CN=disk5,O=example");
        TestCa.Issued email = ca.issue("email", "CN=ops@example.org,O=example");

        Collector c = new Collector();
        try (BroadcastClient ok = BroadcastClient.connect(as("disk3", disk3.cert(), disk3.key()), c)) {
            c.awaitSize(10, 30_000);
        }
        assertThat(refused(as("disk1", disk3.cert(), disk3.key())).getMessage()).contains("'disk3'");

        RefusedException w = refused(as("lan", wildcard.cert(), wildcard.key()));
        assertThat(w.code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);
        assertThat(w.getMessage()).contains("names no client").contains("'*.lan' is a wildcard").contains("its subject's only CN");
        assertThat(refused(as("x", nameless.cert(), nameless.key())).getMessage()).contains("has no CN");
        assertThat(refused(as("disk4", twoNames.cert(), twoNames.key())).getMessage()).contains("has 2 CNs");
        assertThat(refused(as("ops", email.cert(), email.key())).getMessage())
                .contains("'ops@example.org' is not a valid client name");
        log.awaitLine("WARN", "refused: CERTIFICATE_NAME_MISMATCH", "is a wildcard");

        // a certificate that names nobody gets nothing else either: no status
        assertThatThrownBy(() -> StatusClient.fetch(as("lan", wildcard.cert(), wildcard.key()), 30_000))
                .isInstanceOfSatisfying(RefusedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH));
        assertThat(StatusClient.fetch(as("disk3", disk3.cert(), disk3.key()), 30_000).getClientsList())
                .extracting(ClientStatus::getName).containsExactly("disk3");
    }

    @Test
    void forgetOverACertificateReachesOnlyItsOwnName() throws Exception {
        for (String name : List.of("disk1", "disk2")) {
            streamingAndAcked(as(name, name), new Collector()).close();
            await(() -> !status(name).getConnected(), name + " disconnected");
        }
        // disk1's certificate cannot drop disk2's hold on retention
        assertThatThrownBy(() -> ForgetClient.forget(as("disk1", "disk1"), "disk2", 30_000))
                .isInstanceOfSatisfying(RefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CERTIFICATE_NAME_MISMATCH);
                    assertThat(e.getMessage()).contains("may forget only the client it names, 'disk1'")
                            .contains("not 'disk2'").contains("teefs forget --server unix:");
                });
        assertThat(status("disk2").getAckedIndex()).isEqualTo(journal.queue.lastIndex());
        // its own name, yes (a retired mirror's key can retire it)
        assertThat(ForgetClient.forget(as("disk1", "disk1"), "disk1", 30_000).getClientName()).isEqualTo("disk1");
        // the server's Unix socket (someone on its host) can forget any client
        assertThat(ForgetClient.forget(new ClientOptions().address(unix), "disk2", 30_000).getClientName())
                .isEqualTo("disk2");
        assertThat(server.status().getClientsList()).isEmpty();
    }
}
