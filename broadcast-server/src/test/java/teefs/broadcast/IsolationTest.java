package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.netty.buffer.PooledByteBufAllocator;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.protocol.control.ClientStatus;

/**
 * A client that stops reading while the journal grows by 200 MiB: the other clients get everything, the server's
 * buffers stay bounded (the stalled client's backlog stays on disk), and status shows the stalled client's lag.
 */
@Timeout(120)
class IsolationTest {
    private static final int RECORD_DATA = 64 * 1024;
    private static final int RECORDS = 200 * 16; // 200 MiB

    @TempDir
    Path tmp;

    @Test
    void stalledClientCostsNeitherMemoryNorOtherClientsSpeed() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock"))).conclude())) {
            ListenAddress address = server.addresses().get(0);
            CountDownLatch release = new CountDownLatch(1);
            Collector stalled = Collector.stallingAfterFirst(release);
            Collector fast1 = new Collector();
            Collector fast2 = new Collector();
            try (BroadcastClient s = BroadcastClient.connect(new ClientOptions().address(address).name("stalled").fromOldest(), stalled);
                 BroadcastClient f1 = BroadcastClient.connect(new ClientOptions().address(address).name("fast1").fromOldest(), fast1);
                 BroadcastClient f2 = BroadcastClient.connect(new ClientOptions().address(address).name("fast2").fromOldest(), fast2)) {
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                System.gc();
                long heapBefore = memory.getHeapMemoryUsage().getUsed();
                long maxDirect = 0;
                long maxHeap = 0;
                long t0 = System.nanoTime();
                for (int i = 0; i < RECORDS; i++) {
                    journal.append(RECORD_DATA);
                    if (i % 256 == 0) {
                        maxDirect = Math.max(maxDirect, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
                    }
                }
                fast1.awaitSize(RECORDS, 60_000);
                fast2.awaitSize(RECORDS, 60_000);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.gc();
                maxHeap = memory.getHeapMemoryUsage().getUsed();
                maxDirect = Math.max(maxDirect, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
                System.out.printf("200 MiB to 2 fast clients with 1 stalled: %.2f s (%.0f MiB/s each); heap before %d MiB, "
                                + "after %d MiB; max pooled direct %d MiB%n", seconds, 200 / seconds, heapBefore >> 20,
                        maxHeap >> 20, maxDirect >> 20);
                // the stalled client: bounded by the high-water mark and socket buffers, not by the backlog
                ClientStatus st = server.status().getClientsList().stream()
                        .filter(c -> c.getName().equals("stalled")).findFirst().orElseThrow();
                long stalledSentBytes = (st.getSentIndex() - journal.queue.firstIndex() + 1) * (RECORD_DATA + 48L);
                assertThat(stalledSentBytes).as("bytes pushed to the stalled client").isLessThan(40L << 20);
                assertThat(st.getLagRecords()).isGreaterThan(RECORDS - 700);
                assertThat(maxDirect).as("pooled direct memory").isLessThan(64L << 20);
                assertThat(maxHeap - heapBefore).as("heap growth").isLessThan(64L << 20);
                assertThat(fast1.seqs().get(RECORDS - 1)).isEqualTo(RECORDS - 1L);
                // released, the stalled client catches up from disk
                release.countDown();
                stalled.awaitSize(RECORDS, 60_000);
                assertThat(stalled.seqs()).hasSize(RECORDS);
                assertThat(s.isConnected()).isTrue();
            }
        }
    }
}
