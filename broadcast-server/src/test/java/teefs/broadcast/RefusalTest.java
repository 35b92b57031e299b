package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

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
import teefs.protocol.control.ErrorCode;

/** Every way a client can be wrong gets its specific refusal, and the other clients stream on. */
@Timeout(60)
class RefusalTest {
    @TempDir
    Path tmp;
    Journal journal;
    BroadcastServer server;
    ListenAddress tcp;
    BroadcastClient bystander;
    Collector bystanderRecords = new Collector();

    @BeforeEach
    void start() throws Exception {
        journal = new Journal(tmp.resolve("queue"));
        journal.appendMany(10, 32);
        Path tokens = tmp.resolve("tokens");
        Files.writeString(tokens, "# tokens\nsecret-1\n");
        server = BroadcastServer.start(new BroadcastConfig().queueDir(tmp.resolve("queue"))
                .listen(ListenAddress.parse("tcp://127.0.0.1:0")).tokenFile(tokens)
                .helloTimeout(Duration.ofMillis(500)).conclude());
        tcp = server.addresses().get(0);
        bystander = BroadcastClient.connect(options("bystander").credential("secret-1").fromOldest(), bystanderRecords);
        bystanderRecords.awaitSize(10, 5000);
    }

    @AfterEach
    void stop() throws Exception {
        // the bystander is still connected and still receives new records
        journal.append(5);
        bystanderRecords.awaitSize(11, 5000);
        assertThat(bystander.isConnected()).isTrue();
        bystander.close();
        server.close();
        journal.close();
    }

    private ClientOptions options(String name) {
        return new ClientOptions().address(tcp).name(name).connectTimeout(Duration.ofSeconds(3));
    }

    private static ErrorCode refusal(ClientOptions o) {
        try (BroadcastClient c = BroadcastClient.connect(o, new Collector())) {
            throw new AssertionError("connected, welcome " + c.welcome());
        } catch (RefusedException e) {
            return e.code();
        }
    }

    @Test
    void badCredential() {
        assertThat(refusal(options("a").credential("wrong").fromHead())).isEqualTo(ErrorCode.BAD_CREDENTIAL);
        assertThat(refusal(options("a").fromHead())).isEqualTo(ErrorCode.BAD_CREDENTIAL);
    }

    @Test
    void wrongQueueId() {
        assertThat(refusal(options("a").credential("secret-1").queueId(UUID.randomUUID().toString()).fromHead()))
                .isEqualTo(ErrorCode.UNKNOWN_QUEUE_ID);
    }

    @Test
    void indexNotRetained() {
        // an index from a cycle long gone (hour 1000 since the epoch)
        long ancient = (1000L << 32) | 5;
        RefusedException e = catchRefusal(options("a").credential("secret-1").resumeAfter(ancient));
        assertThat(e.code()).isEqualTo(ErrorCode.INDEX_NOT_RETAINED);
        assertThat(e.mustBootstrap()).isTrue();
        assertThat(e.firstIndex()).isEqualTo(journal.queue.firstIndex());
        // and one beyond the head
        assertThat(refusal(options("b").credential("secret-1").resumeAfter(journal.queue.lastIndex() + 1000)))
                .isEqualTo(ErrorCode.INDEX_NOT_RETAINED);
    }

    private static RefusedException catchRefusal(ClientOptions o) {
        try (BroadcastClient c = BroadcastClient.connect(o, new Collector())) {
            throw new AssertionError("connected");
        } catch (RefusedException e) {
            return e;
        }
    }

    @Test
    void protocolViolationsAreRefusedWithAReason() {
        // a name that would escape clients/ is refused, as is a negative start index
        assertThat(refusal(options("ok").credential("secret-1").resumeAfter(-5))).isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void garbageBytesCloseTheConnection() throws Exception {
        assertThat(closedAfterSending("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
        byte[] junk = new byte[64];
        new java.util.Random(1).nextBytes(junk);
        assertThat(closedAfterSending(junk)).isTrue();
    }

    @Test
    void oversizedFrameIsRefusedBeforeItsBody() throws Exception {
        // claims 1 GiB: closed as soon as the length is read, nothing buffered
        assertThat(closedAfterSending(new byte[] {0x40, 0, 0, 0, 1})).isTrue();
    }

    @Test
    void slowlorisIsDroppedAfterTheHelloTimeout() throws Exception {
        try (Socket s = new Socket(tcp.host(), tcp.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0, 0}); // half a length field, then nothing
            out.flush();
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    private boolean closedAfterSending(byte[] bytes) throws Exception {
        try (Socket s = new Socket(tcp.host(), tcp.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            while (true) {
                int b = in.read();
                if (b == -1) {
                    return true;
                }
            }
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void nonLoopbackListenerWithoutTlsRefusesToStart() {
        assertThatThrownBy(() -> new BroadcastConfig().queueDir(tmp.resolve("queue"))
                .listen(ListenAddress.parse("tcp://0.0.0.0:7070")).conclude())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs TLS and a credential")
                .hasMessageContaining("teefs keygen");
    }
}
