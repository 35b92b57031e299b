package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.ClientTls;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.mirror.testing.Journal;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * A mirror over TLS to a real server that requires a token and a client certificate: it streams when configured
 * right, and stops with a configuration error (exit 2) naming the flag when it does not trust the server or the
 * server does not accept it; reconnecting would not fix either.
 */
@Timeout(120)
class TlsMirrorTest {
    @TempDir
    Path dir;
    Path keys;
    String token;
    String queueId;
    BroadcastServer server;

    @BeforeEach
    void serve() throws Exception {
        keys = dir.resolve("keys");
        KeyMaterialGenerator.generate(keys, List.of(), 30);
        KeyMaterialGenerator.generateClient(keys, "disk1", 30, keys.resolve(KeyMaterialGenerator.CLIENTS));
        token = Files.readAllLines(keys.resolve("token")).get(1);
        Path q = dir.resolve("queue");
        try (JournalQueue queue = JournalQueue.openOrCreate(q);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            new Journal().mkdir("d", 0755).create(1, "d/f", 0644).write(1, 0, "over tls").release(1).appendTo(appender);
            queueId = queue.id().toString();
        }
        server = BroadcastServer.start(new BroadcastConfig().queueDir(q).listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                .tls(keys.resolve("server.crt"), keys.resolve("server.key"))
                .clientCa(keys.resolve(KeyMaterialGenerator.CLIENTS)).tokenFile(keys.resolve("token")).conclude());
    }

    @org.junit.jupiter.api.AfterEach
    void stop() {
        server.close();
    }

    private Mirror mirror(String name, ClientTls tls) throws Exception {
        Path target = Files.createDirectories(dir.resolve(name));
        Path state = dir.resolve("." + name + ".teefs-state");
        new StateStore(state).save(new MirrorState(queueId, MirrorState.NONE, MirrorState.NONE, Map.of()), true);
        MirrorOptions options = new MirrorOptions().address(server.addresses().get(0).toString()).target(target)
                .name(name).stateFile(state).credential(token).tls(tls)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).conclude();
        return new Mirror(options, System.out);
    }

    private static CompletableFuture<MirrorException> run(Mirror mirror) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                mirror.run();
                return null;
            } catch (MirrorException e) {
                return e;
            }
        });
    }

    @Test
    void streamsWithTrustedServerAndAcceptedClientCertificate() throws Exception {
        Mirror mirror = mirror("disk1", ClientTls.of(keys.resolve("server.crt"), null, keys.resolve("disk1.crt"),
                keys.resolve("disk1.key")));
        CompletableFuture<MirrorException> run = run(mirror);
        Path file = dir.resolve("disk1/d/f");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(file) && Files.readString(file).equals("over tls"))) {
            assertThat(run).as("mirror ended early").isNotDone();
            assertThat(System.nanoTime()).as("file mirrored in time").isLessThan(deadline);
            Thread.sleep(20);
        }
        mirror.stop();
        assertThat(run.get(30, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void anUntrustedServerStopsTheMirrorWithTheFlagToFix() throws Exception {
        Path other = dir.resolve("other");
        KeyMaterialGenerator.generate(other, List.of(), 30);
        MirrorException e = run(mirror("disk1", ClientTls.of(other.resolve("server.crt"), null,
                keys.resolve("disk1.crt"), keys.resolve("disk1.key")))).get(60, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(MirrorException.CONFIGURATION);
        assertThat(e.getMessage()).contains("is not the one pinned by --server-cert " + other.resolve("server.crt"))
                .contains("copy its new server.crt");
    }

    @Test
    void aMissingClientCertificateStopsTheMirrorWithTheFlagToFix() throws Exception {
        MirrorException e = run(mirror("disk1", ClientTls.of(keys.resolve("server.crt"), null, null, null)))
                .get(60, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(MirrorException.CONFIGURATION);
        assertThat(e.getMessage()).contains("requires a client certificate").contains("--client-cert");
    }

    @Test
    void aCertificateForAnotherNameStopsTheMirrorWithTheNameToUse() throws Exception {
        KeyMaterialGenerator.generateClient(keys, "disk2", 30, keys.resolve(KeyMaterialGenerator.CLIENTS));
        server.reloadCredentials();
        // disk2's certificate (trusted) on a mirror named disk1: reconnecting would never fix it
        MirrorException e = run(mirror("disk1", ClientTls.of(keys.resolve("server.crt"), null,
                keys.resolve("disk2.crt"), keys.resolve("disk2.key")))).get(60, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(MirrorException.CONFIGURATION);
        assertThat(e.getMessage()).contains("CERTIFICATE_NAME_MISMATCH").contains("client name 'disk1'")
                .contains("'disk2'").contains("--name disk2");
    }

    @Test
    void aServerOffLoopbackNeedsTls() {
        assertThatThrownBy(() -> new MirrorOptions().address("tcp://192.0.2.7:7070").target(dir.resolve("t")).conclude())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tcp://192.0.2.7:7070 is not loopback").hasMessageContaining("--server-cert");
    }
}
