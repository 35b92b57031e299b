package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;

@Timeout(60)
class StreamingTest {
    @TempDir
    Path tmp;

    private BroadcastServer start(Path queue) {
        return BroadcastServer.start(new BroadcastConfig().queueDir(queue)
                .listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock")))
                .listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                .conclude());
    }

    @Test
    void clientsResumingFromDifferentIndexesGetExactlyTheirRecordsInOrder() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            List<Long> indexes = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                indexes.add(journal.append(i % 7 == 0 ? 70_000 : 100 + i));
            }
            try (BroadcastServer server = start(q)) {
                ListenAddress unix = server.addresses().get(0);
                ListenAddress tcp = server.addresses().get(1);
                int[] resumeAfter = {-1, 0, 137, 498, 499};
                List<Collector> collectors = new ArrayList<>();
                List<BroadcastClient> clients = new ArrayList<>();
                for (int k = 0; k < resumeAfter.length; k++) {
                    Collector c = new Collector();
                    ClientOptions o = new ClientOptions().address(k % 2 == 0 ? unix : tcp).name("c" + k)
                            .queueId(journal.queue.id().toString());
                    if (resumeAfter[k] < 0) {
                        o.fromOldest();
                    } else {
                        o.resumeAfter(indexes.get(resumeAfter[k]));
                    }
                    clients.add(BroadcastClient.connect(o, c));
                    collectors.add(c);
                }
                // live appends while connected
                for (int i = 500; i < 800; i++) {
                    indexes.add(journal.append(i % 11 == 0 ? 300_000 : 64));
                }
                for (int k = 0; k < resumeAfter.length; k++) {
                    int firstSeq = resumeAfter[k] + 1;
                    collectors.get(k).awaitSize(800 - firstSeq, 20_000);
                    Thread.sleep(20);
                    assertThat(collectors.get(k).seqs()).as("client " + k)
                            .containsExactlyElementsOf(LongStream.range(firstSeq, 800).boxed().toList());
                    assertThat(collectors.get(k).lastIndex()).isEqualTo(indexes.get(799));
                }
                clients.forEach(BroadcastClient::close);
            }
        }
    }

    @Test
    void startAtIndexAndFromHead() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            long i10 = 0;
            for (int i = 0; i < 20; i++) {
                long idx = journal.append(10);
                if (i == 10) {
                    i10 = idx;
                }
            }
            try (BroadcastServer server = start(q)) {
                Collector at = new Collector();
                Collector head = new Collector();
                try (BroadcastClient a = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0))
                             .name("at").startAt(i10), at);
                     BroadcastClient h = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(1))
                             .name("head").fromHead(), head)) {
                    assertThat(h.welcome().getQueueId()).isEqualTo(journal.queue.id().toString());
                    assertThat(h.welcome().getHeadIndex()).isEqualTo(journal.queue.lastIndex());
                    at.awaitSize(10, 5000);
                    Thread.sleep(100);
                    journal.append(5);
                    head.awaitSize(1, 5000);
                    at.awaitSize(11, 5000);
                    assertThat(head.seqs()).containsExactly(20L);
                    assertThat(at.seqs()).containsExactlyElementsOf(LongStream.range(10, 21).boxed().toList());
                }
            }
        }
    }

    @Test
    void beforeTheIndexTheClientAskedForOnlyRecordsThatChangeHandlesAreSent() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            List<Long> all = new ArrayList<>();
            List<Long> releases = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                all.add(i % 3 == 0 ? journal.appendSide(100_000) : journal.append(100));
                if (i % 10 == 9) {
                    long r = journal.appendRelease(7);
                    all.add(r);
                    releases.add(r);
                }
            }
            int from = 2;
            int until = 25; // a WRITE: the tracked part ends on a record that is not sent
            List<Long> expected = new ArrayList<>();
            for (Long index : all.subList(from, all.size())) {
                if (index >= all.get(until) || releases.contains(index)) {
                    expected.add(index);
                }
            }
            try (BroadcastServer server = start(q)) {
                for (ListenAddress address : server.addresses()) {
                    Collector got = new Collector();
                    try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(address)
                            .name("tracker").startAt(all.get(from)).handlesOnlyBefore(all.get(until)), got)) {
                        got.awaitSize(expected.size(), 10_000);
                        Thread.sleep(50);
                        assertThat(got.indexes()).as(address.toString()).containsExactlyElementsOf(expected);
                        assertThat(expected).hasSize(2 + all.size() - until);
                    }
                }
            }
        }
    }

    @Test
    void appendToDeliveryLatencyIsLowWhenIdle() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            journal.append(10);
            try (BroadcastServer server = start(q)) {
                long[] arrived = new long[200];
                Collector c = new Collector() {
                    @Override
                    public synchronized void onRecord(long index, org.agrona.DirectBuffer b, int o, int l) throws Exception {
                        super.onRecord(index, b, o, l);
                        int n = size() - 1;
                        if (n < arrived.length) {
                            arrived[n] = System.nanoTime();
                        }
                    }
                };
                try (BroadcastClient client = BroadcastClient.connect(new ClientOptions()
                        .address(server.addresses().get(0)).name("lat").fromHead(), c)) {
                    long[] sent = new long[arrived.length];
                    for (int i = 0; i < sent.length; i++) {
                        Thread.sleep(3); // let the pump go idle between records
                        sent[i] = System.nanoTime();
                        journal.append(100);
                        c.awaitSize(i + 1, 5000);
                    }
                    long[] lat = new long[sent.length];
                    for (int i = 0; i < sent.length; i++) {
                        lat[i] = arrived[i] - sent[i];
                    }
                    java.util.Arrays.sort(lat);
                    long p50 = lat[lat.length / 2];
                    System.out.println("append-to-delivery idle latency p50 " + p50 / 1000 + " us, p99 "
                            + lat[lat.length * 99 / 100] / 1000 + " us");
                    assertThat(Duration.ofNanos(p50)).isLessThan(Duration.ofMillis(2));
                }
            }
        }
    }
}
