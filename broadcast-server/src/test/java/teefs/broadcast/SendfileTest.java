package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCounted;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.broadcast.server.KeyMaterialGenerator;
import teefs.broadcast.wire.RecordBatchWriter;
import teefs.broadcast.wire.RecordsFrame;
import teefs.broadcast.wire.SideFiles;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordEncoder;
import teefs.protocol.control.ClientStatus;
import teefs.queue.JournalQueue;
import teefs.queue.JournalReader;

/**
 * Records whose data the queue keeps in side files are sent with sendfile (file regions) on plain connections and
 * copied on TLS ones; either way every client gets exactly the bytes the queue's reader assembles, CRC-valid.
 */
@Timeout(120)
class SendfileTest {
    /** Side-data sizes: the queue's threshold, no padding (64 KiB frame), odd padding, the largest WRITE. */
    private static final int[] SIDE_SIZES = {32 * 1024, 64 * 1024 - 40, 100_001, RecordEncoder.MAX_WRITE_DATA, 40_000};

    @TempDir
    Path tmp;

    /** Side records of every size, each followed by a small inline one, four times over. */
    private static int fill(Journal journal) {
        int n = 0;
        for (int round = 0; round < 4; round++) {
            for (int size : SIDE_SIZES) {
                journal.appendSide(size);
                journal.append(100 + round);
                n += 2;
            }
        }
        return n;
    }

    /** Every frame of the queue, as its reader assembles it (the copying path every other reader uses). */
    private static List<byte[]> framesOf(JournalQueue queue) {
        List<byte[]> frames = new ArrayList<>();
        try (JournalReader reader = queue.reader()) {
            reader.toStart();
            while (reader.readNext((index, buffer, offset, length) -> {
                byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                frames.add(copy);
            })) {
                // all of them
            }
        }
        return frames;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-sendfile", "unix", "tls"})
    void sideFileRecordsArriveByteIdenticalAndCrcValid(String transport) throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            int n = fill(journal);
            List<byte[]> expected = framesOf(journal.queue);
            assertThat(expected).hasSize(n);
            try (Stream<Path> files = Files.list(q)) {
                assertThat(files.filter(f -> f.toString().endsWith(JournalQueue.SIDE_DATA_SUFFIX)))
                        .as("the queue kept the large writes' data in side files").isNotEmpty();
            }
            BroadcastConfig config = new BroadcastConfig().queueDir(q);
            ClientOptions options = new ClientOptions().name("c-" + transport).fromOldest();
            switch (transport) {
                case "tcp" -> config.listen(ListenAddress.parse("tcp://127.0.0.1:0"));
                case "tcp-sendfile" -> config.listen(ListenAddress.parse("tcp://127.0.0.1:0")).sendfileOverTcp(true);
                case "unix" -> config.listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock")));
                default -> {
                    Path keys = tmp.resolve("keys");
                    KeyMaterialGenerator.generate(keys, List.of(), 30);
                    config.listen(ListenAddress.parse("tcp://127.0.0.1:0"))
                            .tls(keys.resolve("server.crt"), keys.resolve("server.key")).tokenFile(keys.resolve("token"));
                    options.tlsTrust(keys.resolve("server.crt")).credential(Files.readAllLines(keys.resolve("token")).get(1));
                }
            }
            try (BroadcastServer server = BroadcastServer.start(config.conclude())) {
                List<byte[]> received = new ArrayList<>();
                CountDownLatch all = new CountDownLatch(1);
                // the client has validated each record (length, type, CRC32C over head, data and padding) before this
                try (BroadcastClient client = BroadcastClient.connect(options.address(server.addresses().get(0)),
                        (index, buffer, offset, length) -> {
                            byte[] copy = new byte[length];
                            buffer.getBytes(offset, copy);
                            received.add(copy);
                            if (received.size() == n) {
                                all.countDown();
                            }
                        })) {
                    all.await();
                    assertThat(client.isConnected()).isTrue();
                }
                assertThat(received).hasSize(n);
                for (int i = 0; i < n; i++) {
                    assertThat(received.get(i)).as("record %d", i).isEqualTo(expected.get(i));
                }
            }
        }
    }

    @Test
    void batchWriterSendsSideDataAsRegionsThatMakeUpTheCopiedFrames() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q)) {
            int n = fill(journal);
            List<RecordsFrame> regioned = new ArrayList<>();
            List<RecordsFrame> copied = new ArrayList<>();
            try (SideFiles sideFiles = new SideFiles(q);
                 RecordBatchWriter a = new RecordBatchWriter(PooledByteBufAllocator.DEFAULT, 256 * 1024, 4, sideFiles,
                         16 * 1024, regioned::add);
                 RecordBatchWriter b = new RecordBatchWriter(PooledByteBufAllocator.DEFAULT, 256 * 1024, copied::add);
                 JournalReader ra = journal.queue.reader();
                 JournalReader rb = journal.queue.reader()) {
                ra.toStart();
                rb.toStart();
                while (ra.readNext(a)) {
                    assertThat(rb.readNext(b)).isTrue();
                }
                a.flush();
                b.flush();
            }
            assertThat(regioned).hasSameSizeAs(copied);
            int regions = 0;
            for (int i = 0; i < copied.size(); i++) {
                ByteBuf single = copied.get(i).single();
                byte[] want = new byte[single.readableBytes()];
                single.getBytes(0, want);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                WritableByteChannel sink = Channels.newChannel(got);
                for (Object part : regioned.get(i).parts()) {
                    if (part instanceof FileRegion r) {
                        regions++;
                        while (r.transferred() < r.count()) {
                            r.transferTo(sink, r.transferred());
                        }
                    } else {
                        ByteBuf buf = (ByteBuf) part;
                        buf.getBytes(buf.readerIndex(), got, buf.readableBytes());
                    }
                }
                assertThat(got.toByteArray()).as("batch %d", i).isEqualTo(want);
                assertThat(regioned.get(i).firstIndex()).isEqualTo(copied.get(i).firstIndex());
                assertThat(regioned.get(i).count()).isEqualTo(copied.get(i).count());
                assertThat(regioned.get(i).recordBytes()).isEqualTo(want.length - WireFormat.HEADER - WireFormat.RECORDS_PREFIX);
            }
            assertThat(regions).as("one region per side-data record").isEqualTo(n / 2);
            // every part is freed with its frame (the files close with the last region)
            for (RecordsFrame f : regioned) {
                f.release();
                assertThat(f.parts()).allSatisfy(p -> assertThat(((ReferenceCounted) p).refCnt()).isZero());
            }
            copied.forEach(RecordsFrame::release);
        }
    }

    @Test
    void aSideFileCutShortClosesTheClientWithoutSendingABadRecord() throws Exception {
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q); LogCapture log = new LogCapture()) {
            for (int i = 0; i < 8; i++) {
                journal.appendSide(64 * 1024 - 40);
            }
            Path side;
            try (Stream<Path> files = Files.list(q)) {
                side = files.filter(f -> f.toString().endsWith(JournalQueue.SIDE_DATA_SUFFIX)).findFirst().orElseThrow();
            }
            try (FileChannel f = FileChannel.open(side, StandardOpenOption.WRITE)) {
                f.truncate(f.size() - 1000); // the last record's data ends early
            }
            try (BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                    .listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock"))).conclude())) {
                Collector c = new Collector();
                try (BroadcastClient client = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0))
                        .name("damaged").fromOldest(), c)) {
                    log.awaitLine("damaged", "pump failed", "ends early");
                    assertThat(client.awaitClosed(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    assertThat(c.size()).isLessThan(8);
                    for (int i = 0; i < c.size(); i++) {
                        assertThat(c.seqs().get(i)).isEqualTo(i);
                    }
                }
            }
        }
    }

    @Test
    void aStalledClientHoldsBoundedBytesWhenDataGoesBySendfile() throws Exception {
        int records = 100 * 16; // 100 MiB of 64 KiB records, all in side files
        Path q = tmp.resolve("queue");
        try (Journal journal = new Journal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse("tcp://127.0.0.1:0")).sendfileOverTcp(true).conclude())) {
            ListenAddress address = server.addresses().get(0);
            CountDownLatch release = new CountDownLatch(1);
            Collector stalled = Collector.stallingAfterFirst(release);
            Collector fast = new Collector();
            try (BroadcastClient s = BroadcastClient.connect(new ClientOptions().address(address).name("stalled").fromOldest(), stalled);
                 BroadcastClient f = BroadcastClient.connect(new ClientOptions().address(address).name("fast").fromOldest(), fast)) {
                for (int i = 0; i < records; i++) {
                    journal.appendSide(64 * 1024 - 40);
                }
                fast.awaitSize(records, 60_000);
                // what the server pushed to the stalled client: the high-water mark (regions counted at their size)
                // plus socket buffers, not the backlog; counted as zero, regions would be queued for all of it
                ClientStatus st = server.status().getClientsList().stream()
                        .filter(c -> c.getName().equals("stalled")).findFirst().orElseThrow();
                long pushed = (st.getSentIndex() - journal.queue.firstIndex() + 1) * (64L * 1024);
                assertThat(pushed).as("bytes pushed to the stalled client").isLessThan(40L << 20);
                assertThat(fast.seqs().get(records - 1)).isEqualTo(records - 1L);
                release.countDown();
                stalled.awaitSize(records, 60_000);
                assertThat(stalled.seqs()).hasSize(records);
                assertThat(s.isConnected()).isTrue();
            }
        }
    }
}
