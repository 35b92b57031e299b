package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.StatusClient;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.wire.ControlCodec;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.Hello;
import teefs.protocol.control.StartMode;
import teefs.protocol.control.StatusReply;

@Timeout(60)
class LivenessAndStatusTest {
    @TempDir
    Path tmp;

    private BroadcastServer start(Path q) {
        return BroadcastServer.start(new BroadcastConfig().queueDir(q)
                .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                .metrics(ListenAddress.parse("tcp://127.0.0.1:0"))
                .heartbeatInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(600)).conclude());
    }

    @Test
    void silentPeerIsDroppedWhileAHeartbeatingOneStays() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q); BroadcastServer server = start(q)) {
            journal.append(10);
            ListenAddress tcp = server.addresses().get(0);
            Collector c = new Collector();
            try (BroadcastClient healthy = BroadcastClient.connect(new ClientOptions().address(tcp).name("healthy")
                    .fromOldest().heartbeatInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(600)), c);
                 Socket silent = new Socket(tcp.host(), tcp.port())) {
                // a valid hello, then silence: no heartbeats, no acks
                ByteBuf hello = ControlCodec.encode(Unpooled.buffer().alloc(), Envelope.newBuilder().setHello(Hello.newBuilder()
                        .setProtocolVersion(1).setClientName("silent").setStartMode(StartMode.START_AT_HEAD)).build());
                byte[] bytes = new byte[hello.readableBytes()];
                hello.readBytes(bytes);
                hello.release();
                silent.getOutputStream().write(bytes);
                silent.setSoTimeout(5000);
                long t0 = System.nanoTime();
                InputStream in = silent.getInputStream();
                while (in.read() != -1) {
                    // welcome and server heartbeats, until the server drops us
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(ms).isBetween(400L, 3000L);
                // the healthy client idled as long and is still connected (heartbeats both ways)
                assertThat(healthy.isConnected()).isTrue();
                assertThat(healthy.serverHeadIndex()).isEqualTo(journal.queue.lastIndex());
            }
        }
    }

    @Test
    void statusNamesTheLastRestatementOfHandlesAtOrBeforeTheHead() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            journal.appendMany(10, 100);
            try (BroadcastServer server = start(q)) {
                assertThat(server.status().getRestatementIndex()).as("none yet").isZero();
                long restatement = journal.appendCheckpoint(true);
                journal.appendMany(10, 100);
                journal.appendCheckpoint(false); // a continuation: not where a reader can begin
                journal.appendMany(10, 100);
                assertThat(server.status().getRestatementIndex()).isEqualTo(restatement);
            }
        }
    }

    @Test
    void statusAndMetricsShowAckedIndexAndLag() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            long last = journal.appendMany(100, 1000);
            try (BroadcastServer server = start(q)) {
                Collector c = new Collector();
                try (BroadcastClient client = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0))
                        .name("mirror-1").fromOldest(), c)) {
                    c.awaitSize(100, 5000);
                    long ackAt = c.records.get(59)[0];
                    client.ack(ackAt);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    ClientStatus st;
                    do {
                        Thread.sleep(20);
                        StatusReply reply = StatusClient.fetch(server.addresses().get(0), "", null, 5000);
                        assertThat(reply.getHeadIndex()).isEqualTo(last);
                        st = reply.getClients(0);
                    } while (st.getAckedIndex() != ackAt && System.nanoTime() < deadline);
                    assertThat(st.getName()).isEqualTo("mirror-1");
                    assertThat(st.getConnected()).isTrue();
                    assertThat(st.getAckedIndex()).isEqualTo(ackAt);
                    assertThat(st.getLagRecords()).isEqualTo(40);
                    assertThat(st.getLagBytes()).isEqualTo(40 * 1040L);
                    assertThat(st.getAddress()).contains("127.0.0.1");
                    assertThat(st.getConnectedSinceUnixMillis()).isPositive();

                    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + server.metricsAddress().port() + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(metrics).contains("teefs_broadcast_head_index " + last)
                            .contains("teefs_broadcast_client_lag_records{client=\"mirror-1\"")
                            .contains("teefs_broadcast_client_acked_index{client=\"mirror-1\"");
                }
            }
            // the ack survives the server: saved under clients/
            assertThat(Files.readString(q.resolve("clients/mirror-1.pos"))).contains("acked=");
            try (BroadcastServer again = start(q)) {
                ClientStatus st = again.status().getClients(0);
                assertThat(st.getConnected()).isFalse();
                assertThat(st.getLagRecords()).isEqualTo(40);
            }
        }
    }

    @Test
    void ackBeyondWhatWasSentIsAProtocolError() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q); BroadcastServer server = start(q)) {
            long last = journal.appendMany(5, 10);
            Collector c = new Collector();
            try (BroadcastClient client = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0))
                    .name("liar").fromHead(), c)) {
                client.ack(last + 1000);
                assertThat(client.awaitClosed(5, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(server.status().getClients(0).getAckedIndex()).isEqualTo(-1);
        }
    }
}
