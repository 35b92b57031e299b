package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Ack;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.ErrorCode;
import teefs.protocol.control.Hello;
import teefs.protocol.control.StartMode;

/**
 * Who may take over a connected client's name, with a shared token and no client certificates, over real sockets:
 * the same address may (a reconnect), logged at warn with both addresses; another address (127.0.0.2, or a Unix
 * socket, for a client on 127.0.0.1) may not while the connection is alive, and cannot move its position either;
 * it gets in once that connection is closed, or dropped as dead after the idle timeout.
 */
@Timeout(180)
class TakeoverTest {
    private static final String TOKEN = "shared-token";

    @TempDir
    Path tmp;
    Journal journal;
    BroadcastServer server;
    ListenAddress tcp;
    ListenAddress unix;
    LogCapture log;

    @BeforeEach
    void queue() throws Exception {
        journal = new Journal(tmp.resolve("queue"));
        journal.appendMany(10, 64);
        Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        log = new LogCapture();
    }

    private void serve(Duration heartbeat, Duration idle) {
        server = BroadcastServer.start(new BroadcastConfig().queueDir(tmp.resolve("queue"))
                .listen(ListenAddress.parse("tcp://127.0.0.1:0")).listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock")))
                .tokenFile(tmp.resolve("token")).heartbeatInterval(heartbeat).idleTimeout(idle).conclude());
        tcp = server.addresses().get(0);
        unix = server.addresses().get(1);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        journal.close();
        log.close();
    }

    private static ClientOptions as(ListenAddress a, String name) {
        return new ClientOptions().address(a).name(name).credential(TOKEN).fromOldest()
                .heartbeatInterval(Duration.ofMillis(100)).connectTimeout(Duration.ofSeconds(30));
    }

    private static Envelope hello(String name) {
        return Envelope.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                .setClientName(name).setStartMode(StartMode.START_AT_HEAD).setCredential(TOKEN)).build();
    }

    private ClientStatus status(String name) {
        return server.status().getClientsList().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void theSameAddressTakesOverAndTheTakeoverIsLoggedAtWarn() throws Exception {
        serve(Duration.ofSeconds(1), Duration.ofSeconds(10));
        Collector first = new Collector();
        try (BroadcastClient old = BroadcastClient.connect(as(tcp, "m"), first)) {
            first.awaitSize(10, 30_000);
            Collector second = new Collector();
            try (BroadcastClient reconnected = BroadcastClient.connect(as(tcp, "m"), second)) {
                second.awaitSize(10, 30_000);
                assertThat(old.awaitClosed(30, TimeUnit.SECONDS)).isTrue();
                assertThat(old.closeCause()).isInstanceOfSatisfying(RefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.REPLACED);
                    assertThat(e.getMessage()).contains("from /127.0.0.1:").contains("took over");
                });
                String line = log.awaitLine("WARN", "client m: the connection from /127.0.0.1:",
                        "takes over from the live one from /127.0.0.1:");
                assertThat(line.split("/127\\.0\\.0\\.1:\\d+", -1)).as("both addresses in: " + line).hasSize(3);
                assertThat(reconnected.isConnected()).isTrue();
                assertThat(status("m").getConnected()).isTrue();
            }
        }
    }

    @Test
    void anotherAddressCannotTakeOverALiveConnectionNorMoveItsPosition() throws Exception {
        serve(Duration.ofSeconds(1), Duration.ofSeconds(10));
        Collector records = new Collector();
        try (BroadcastClient live = BroadcastClient.connect(as(tcp, "m"), records)) {
            long last = journal.queue.lastIndex();
            await(() -> records.lastIndex() == last, "the live client receiving everything");
            live.ack(last);
            await(() -> status("m").getAckedIndex() == last, "the live client's ack");
            String address = status("m").getAddress();

            // from another host: refused, and an ack pipelined behind the Hello moves nothing
            try (RawClient other = new RawClient("127.0.0.2", tcp)) {
                other.send(hello("m"), Envelope.newBuilder().setAck(Ack.newBuilder().setAppliedIndex(-1)).build());
                Envelope reply = other.read();
                assertThat(reply.hasRefusal()).as("reply " + reply).isTrue();
                assertThat(reply.getRefusal().getCode()).isEqualTo(ErrorCode.NAME_IN_USE);
                assertThat(reply.getRefusal().getMessage()).contains("'m' is connected now from " + address)
                        .contains("cannot take it over while that one is alive").contains("10000 ms of silence");
                other.awaitClosedByServer();
            }
            log.awaitLine("WARN", "client m: connection from /127.0.0.2:", "refused: NAME_IN_USE", address);
            // a Unix-socket peer is another address too
            try (BroadcastClient local = BroadcastClient.connect(as(unix, "m"), new Collector())) {
                throw new AssertionError("took over over the Unix socket");
            } catch (RefusedException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.NAME_IN_USE);
            }

            assertThat(live.isConnected()).isTrue();
            assertThat(live.closeCause()).isNull();
            assertThat(status("m").getAckedIndex()).isEqualTo(last);
            assertThat(status("m").getAddress()).isEqualTo(address);
            journal.append(64);
            records.awaitSize(11, 30_000);
        }
        // once the connection is closed the name is free for anyone who passes the credential
        Envelope reply = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reply == null || !reply.hasWelcome()) {
            assertThat(System.nanoTime()).as("the name freed; last reply " + reply).isLessThan(deadline);
            try (RawClient other = new RawClient("127.0.0.2", tcp)) {
                other.send(hello("m"));
                reply = other.read();
                assertThat(reply.hasWelcome() || reply.getRefusal().getCode() == ErrorCode.NAME_IN_USE)
                        .as("reply " + reply).isTrue();
            }
        }
    }

    @Test
    void aDeadConnectionIsDroppedAfterTheIdleTimeoutAndItsNameIsFree() throws Exception {
        serve(Duration.ofMillis(250), Duration.ofMillis(1500));
        try (RawClient silent = new RawClient("127.0.0.2", tcp)) {
            silent.send(hello("m"));
            assertThat(silent.read().hasWelcome()).isTrue();
            // it never sends another byte: to the server it is a dead peer whose connection is still open
            BroadcastClient newcomer = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (newcomer == null) {
                assertThat(System.nanoTime()).as("the dead connection dropped").isLessThan(deadline);
                try {
                    newcomer = BroadcastClient.connect(as(tcp, "m"), new Collector());
                } catch (RefusedException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.NAME_IN_USE);
                    Thread.sleep(50);
                }
            }
            try (BroadcastClient in = newcomer) {
                assertThat(in.welcome()).isNotNull();
                silent.awaitClosedByServer();
                log.awaitLine("client m at /127.0.0.2:", "silent for 1500 ms: dropped as dead");
            }
        }
    }
}
