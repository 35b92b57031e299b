package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.RecordListener;
import teefs.broadcast.net.ListenAddress;
import teefs.protocol.RecordEncoder;
import teefs.queue.AppendOptions;
import teefs.queue.Doorbell;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * An idle pump sleeps on the queue's doorbell and the journal's next append wakes it (a ring is heard, not a timeout);
 * a queue without a doorbell (a journal of an earlier teefs) is polled, and its records flow all the same.
 */
@Timeout(60)
class DoorbellStreamingTest {
    @TempDir
    Path tmp;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
    private final RecordEncoder encoder = new RecordEncoder();

    private long append(JournalAppender appender, int handle) {
        return appender.append(frame, 0, encoder.wrap(frame, 0).release(handle));
    }

    private static final class Count implements RecordListener {
        final AtomicInteger records = new AtomicInteger();

        @Override
        public void onRecord(long index, DirectBuffer buffer, int offset, int length) {
            records.incrementAndGet();
        }

        @Override
        public void onClosed(Throwable cause) {
        }

        void await(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (records.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(records.get()).isEqualTo(n);
        }
    }

    private BroadcastServer start(Path queue) {
        return BroadcastServer.start(new BroadcastConfig().queueDir(queue)
                .listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock"))).conclude());
    }

    @Test
    void anIdlePumpIsWokenByTheJournalsRing() throws Exception {
        Path q = tmp.resolve("queue");
        try (JournalQueue queue = JournalQueue.openOrCreate(q);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            append(appender, 1);
            try (BroadcastServer server = start(q)) {
                Count count = new Count();
                try (BroadcastClient client = BroadcastClient.connect(new ClientOptions()
                        .address(server.addresses().get(0)).name("c").queueId(queue.id().toString()).fromOldest(),
                        count)) {
                    count.await(1);
                    for (int i = 2; i <= 6; i++) {
                        Thread.sleep(150); // the pump runs dry, arms the doorbell and sleeps
                        long rings = server.doorbellRings();
                        append(appender, i);
                        count.await(i);
                        assertThat(server.doorbellRings()).as("append %d rang", i).isGreaterThan(rings);
                    }
                }
            }
        }
    }

    @Test
    void aQueueWithoutADoorbellIsPolled() throws Exception {
        Path q = tmp.resolve("queue");
        try (JournalQueue queue = JournalQueue.openOrCreate(q);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
            Files.delete(q.resolve(Doorbell.PIPE)); // as an earlier teefs's journal leaves a queue
            Files.delete(q.resolve(Doorbell.STATE));
            try (BroadcastServer server = start(q)) {
                Count count = new Count();
                try (BroadcastClient client = BroadcastClient.connect(new ClientOptions()
                        .address(server.addresses().get(0)).name("c").queueId(queue.id().toString()).fromOldest(),
                        count)) {
                    for (int i = 1; i <= 3; i++) {
                        append(appender, i);
                        count.await(i);
                        Thread.sleep(100);
                    }
                    assertThat(server.doorbellRings()).isZero();
                }
            }
        }
    }
}
