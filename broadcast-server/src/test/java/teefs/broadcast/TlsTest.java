package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.protocol.control.ErrorCode;

@Timeout(90)
class TlsTest {
    @TempDir
    Path tmp;

    @Test
    void keygenMaterialServesTlsWithATokenAndReloadsOnDemand() throws Exception {
        Path keys = tmp.resolve("keys");
        List<Path> files = KeyMaterialGenerator.generate(keys, List.of("mirror.example"), 30);
        assertThat(files).hasSize(3);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("server.key")))).isEqualTo("rw-------");
        String token = Files.readAllLines(keys.resolve("token")).get(1);
        assertThatThrownBy(() -> KeyMaterialGenerator.generate(keys, List.of(), 30)).hasMessageContaining("exists");

        // a non-loopback address is accepted once TLS and a token are configured
        new BroadcastConfig().queueDir(tmp.resolve("queue")).listen(ListenAddress.parse("tcp://0.0.0.0:7070"))
                .tls(keys.resolve("server.crt"), keys.resolve("server.key")).tokenFile(keys.resolve("token")).conclude();

        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                     .tls(keys.resolve("server.crt"), keys.resolve("server.key")).tokenFile(keys.resolve("token"))
                     .helloTimeout(Duration.ofSeconds(1)).conclude())) {
            journal.appendMany(50, 500);
            ListenAddress a = server.addresses().get(0);
            Collector c = new Collector();
            try (BroadcastClient client = BroadcastClient.connect(new ClientOptions().address(a).name("tls")
                    .tlsTrust(keys.resolve("server.crt")).credential(token).fromOldest(), c)) {
                c.awaitSize(50, 10_000);
                // without TLS the handshake never completes
                assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address(a).name("plain")
                        .credential(token).fromOldest().connectTimeout(Duration.ofSeconds(2)), new Collector()))
                        .isInstanceOf(BroadcastClientException.class);
                // SIGHUP path: a new token file replaces the old token; the live connection stays
                Files.writeString(keys.resolve("token"), "rotated-token\n");
                server.reloadCredentials();
                assertThatThrownBy(() -> BroadcastClient.connect(new ClientOptions().address(a).name("old")
                        .tlsTrust(keys.resolve("server.crt")).credential(token).fromOldest(), new Collector()))
                        .isInstanceOfSatisfying(RefusedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_CREDENTIAL));
                BroadcastClient.connect(new ClientOptions().address(a).name("new")
                        .tlsTrust(keys.resolve("server.crt")).credential("rotated-token").fromOldest(), new Collector()).close();
                journal.append(10);
                c.awaitSize(51, 10_000);
                assertThat(client.isConnected()).isTrue();
            }
        }
    }
}
