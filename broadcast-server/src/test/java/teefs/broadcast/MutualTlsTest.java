package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTls;
import teefs.broadcast.client.ClientTlsException;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.client.StatusClient;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.protocol.control.ErrorCode;

/** Client certificates over real TLS sockets: required, refused with reasons on the client side, reloaded. */
@Timeout(120)
class MutualTlsTest {
    @TempDir
    Path tmp;
    Path keys;
    Path clients;
    Path stranger;
    String token;

    @BeforeEach
    void makeKeys() throws Exception {
        keys = tmp.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        token = Files.readAllLines(keys.resolve("token")).get(1);
        clients = keys.resolve(KeyMaterialGenerator.CLIENTS);
        List<Path> disk1 = KeyMaterialGenerator.generateClient(keys, "disk1", 30, clients);
        assertThat(disk1).containsExactly(keys.resolve("disk1.crt"), keys.resolve("disk1.key"), clients);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("disk1.key")))).isEqualTo("rw-------");
        assertThat(Files.readString(clients)).startsWith("# teefs client disk1, made ").contains("BEGIN CERTIFICATE");
        stranger = tmp.resolve("stranger");
        KeyMaterialGenerator.generateClient(stranger, "stranger", 30, stranger.resolve("own.pem"));
        assertThatThrownBy(() -> KeyMaterialGenerator.generateClient(keys, "disk1", 30, clients)).hasMessageContaining("exists");
        assertThatThrownBy(() -> KeyMaterialGenerator.generateClient(keys, "../x", 30, clients)).hasMessageContaining("client name");
    }

    private ClientOptions client(ListenAddress a, String name, Path cert, Path key) {
        return new ClientOptions().address(a).name(name).fromOldest().connectTimeout(Duration.ofSeconds(10))
                .tls(ClientTls.of(keys.resolve("server.crt"), null, cert, key));
    }

    @Test
    void clientCertificatesAreRequiredCheckedAndReloaded() throws Exception {
        Path q = tmp.resolve("queue");
        // a non-loopback listener may use client certificates as its only credential; they need TLS
        new BroadcastConfig().queueDir(q).listen(ListenAddress.parse("tcp://0.0.0.0:7070"))
                .tls(keys.resolve("server.crt"), keys.resolve("server.key")).clientCa(clients).conclude();
        assertThatThrownBy(() -> new BroadcastConfig().queueDir(q).listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                .clientCa(clients).conclude()).hasMessageContaining("--client-ca needs --tls-cert");

        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).clientCa(clients).conclude())) {
            journal.appendMany(20, 100);
            ListenAddress a = server.addresses().get(0);

            // no certificate: the client is told which flags fix it
            assertThatThrownBy(() -> BroadcastClient.connect(client(a, "anon", null, null), new Collector()))
                    .isInstanceOf(ClientTlsException.class)
                    .hasMessageContaining("requires a client certificate")
                    .hasMessageContaining("--client-cert");
            // a certificate the server's file does not hold
            assertThatThrownBy(() -> BroadcastClient.connect(client(a, "stranger", stranger.resolve("stranger.crt"),
                    stranger.resolve("stranger.key")), new Collector()))
                    .isInstanceOf(ClientTlsException.class)
                    .hasMessageContaining("refused this client's certificate")
                    .hasMessageContaining("--client-ca");
            // status over the same listener needs the certificate too
            assertThatThrownBy(() -> StatusClient.fetch(client(a, "s", null, null), 10_000))
                    .isInstanceOf(ClientTlsException.class);

            Collector c = new Collector();
            try (BroadcastClient disk1 = BroadcastClient.connect(client(a, "disk1", keys.resolve("disk1.crt"),
                    keys.resolve("disk1.key")), c)) {
                c.awaitSize(20, 10_000);
                assertThat(StatusClient.fetch(client(a, "s", keys.resolve("disk1.crt"), keys.resolve("disk1.key")),
                        10_000).getClientsCount()).isEqualTo(1);

                // SIGHUP path: the stranger is added to the trust file; the live connection stays up
                Files.writeString(clients, Files.readString(stranger.resolve("own.pem")),
                        java.nio.file.StandardOpenOption.APPEND);
                server.reloadCredentials();
                BroadcastClient.connect(client(a, "stranger", stranger.resolve("stranger.crt"),
                        stranger.resolve("stranger.key")), new Collector()).close();
                // and removed again (revoked)
                Files.writeString(clients, Files.readString(keys.resolve("disk1.crt")));
                server.reloadCredentials();
                assertThatThrownBy(() -> BroadcastClient.connect(client(a, "stranger", stranger.resolve("stranger.crt"),
                        stranger.resolve("stranger.key")), new Collector())).isInstanceOf(ClientTlsException.class);
                // a broken trust file is refused as a whole: the server keeps what it had
                Files.writeString(clients, "not a certificate\n");
                assertThatThrownBy(server::reloadCredentials).hasMessageContaining("--client-ca")
                        .hasMessageContaining("holds no certificate");
                // (a status request: a second connection as disk1 would take over the one streaming, same address)
                assertThat(StatusClient.fetch(client(a, "s", keys.resolve("disk1.crt"), keys.resolve("disk1.key")),
                        10_000).getClientsCount()).isEqualTo(2);

                journal.append(10);
                c.awaitSize(21, 10_000);
                assertThat(disk1.isConnected()).isTrue();
            }
        }
    }

    @Test
    void tokenAndCertificateTogetherNeedBoth() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).clientCa(clients)
                     .tokenFile(keys.resolve("token")).conclude())) {
            journal.appendMany(3, 10);
            ListenAddress a = server.addresses().get(0);
            assertThatThrownBy(() -> BroadcastClient.connect(client(a, "disk1", keys.resolve("disk1.crt"),
                    keys.resolve("disk1.key")), new Collector()))
                    .isInstanceOfSatisfying(RefusedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_CREDENTIAL));
            assertThatThrownBy(() -> BroadcastClient.connect(client(a, "disk1", null, null).credential(token), new Collector()))
                    .isInstanceOf(ClientTlsException.class);
            BroadcastClient.connect(client(a, "disk1", keys.resolve("disk1.crt"), keys.resolve("disk1.key"))
                    .credential(token), new Collector()).close();
        }
    }

    @Test
    void theClientExplainsAServerItDoesNotTrust() throws Exception {
        Path other = tmp.resolve("other");
        KeyMaterialGenerator.generate(other, List.of(), 30);
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0")).listen(ListenAddress.parse("tcp://127.0.0.2:0"))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).conclude())) {
            journal.appendMany(3, 10);
            ListenAddress a = server.addresses().get(0);
            // pinned to another server's certificate
            assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address(a).name("m").fromOldest()
                    .tls(ClientTls.of(other.resolve("server.crt"), null, null, null)), new Collector()))
                    .isInstanceOf(ClientTlsException.class)
                    .hasMessageContaining("is not the one pinned by --server-cert " + other.resolve("server.crt"))
                    .hasMessageContaining("SHA-256");
            // trusted as a CA, the certificate must also name the host: 127.0.0.1 yes, 127.0.0.2 no
            BroadcastClient.connect(new ClientOptions().address(a).name("m").fromOldest()
                    .tls(ClientTls.of(null, keys.resolve("server.crt"), null, null)), new Collector()).close();
            assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address(server.addresses().get(1))
                    .name("m").fromOldest().tls(ClientTls.of(null, keys.resolve("server.crt"), null, null)), new Collector()))
                    .isInstanceOf(ClientTlsException.class)
                    .hasMessageContaining("is not valid for the address")
                    .hasMessageContaining("teefs keygen --name HOST");
            // plain text to a TLS listener: closed, with the hint
            assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address(a).name("m").fromOldest(),
                    new Collector())).isInstanceOf(BroadcastClientException.class).hasMessageContaining("--server-cert");
        }
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeConnecting() throws Exception {
        // off loopback without TLS: the token would cross the network in clear
        assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address("tcp://192.0.2.1:7070").name("m")
                .credential(token), new Collector())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not loopback").hasMessageContaining("--server-cert");
        assertThatThrownBy(() -> ClientTls.of(keys.resolve("server.crt"), keys.resolve("server.crt"), null, null))
                .hasMessageContaining("either --server-cert").hasMessageContaining("not both");
        assertThatThrownBy(() -> ClientTls.of(keys.resolve("server.crt"), null, keys.resolve("disk1.crt"), null))
                .hasMessageContaining("--client-cert needs its --client-key");
        assertThatThrownBy(() -> ClientTls.of(null, null, keys.resolve("disk1.crt"), keys.resolve("disk1.key")))
                .hasMessageContaining("--client-cert needs --server-cert FILE or --server-ca FILE");
        assertThatThrownBy(() -> ClientTls.of(tmp.resolve("missing.crt"), null, null, null))
                .hasMessageContaining("--server-cert " + tmp.resolve("missing.crt") + " does not exist");
        // a key that is not the certificate's
        assertThatThrownBy(() -> ClientTls.of(keys.resolve("server.crt"), null, keys.resolve("disk1.crt"),
                stranger.resolve("stranger.key")).context())
                .isInstanceOf(ClientTlsException.class)
                .hasMessageContaining("--client-key " + stranger.resolve("stranger.key") + " is not the private key of");
    }
}
