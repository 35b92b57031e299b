package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ForgetClient;
import teefs.broadcast.client.RecordListener;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.net.ListenAddress;
import teefs.protocol.RecordEncoder;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.ErrorCode;
import teefs.protocol.control.ForgetReply;
import teefs.queue.JournalQueue;

/** A queue with four hourly cycles (three in the past, written with a fake clock) and retention passes over it. */
@Timeout(60)
class RetentionTest {
    @TempDir
    Path tmp;
    Path q;
    /** index of record i; records 0-9 in hour now-3, 10-19 in now-2, 20-29 in now-1, 30-39 now */
    final List<Long> indexes = new ArrayList<>();

    @BeforeEach
    void writeFourCycles() throws Exception {
        q = tmp.resolve("queue");
        Files.createDirectories(q);
        Files.writeString(q.resolve(JournalQueue.ID_FILE), UUID.randomUUID() + "\n");
        long now = System.currentTimeMillis();
        SetTimeProvider clock = new SetTimeProvider(now - 3 * 3_600_000L);
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN));
        RecordEncoder enc = new RecordEncoder().wrap(frame, 0);
        try (SingleChronicleQueue cq = SingleChronicleQueueBuilder.single(q.toFile()).rollCycle(RollCycles.FAST_HOURLY)
                .timeProvider(clock).build();
             ExcerptAppender appender = cq.createAppender()) {
            for (int hour = 3; hour >= 0; hour--) {
                clock.currentTimeMillis(now - hour * 3_600_000L);
                for (int i = 0; i < 10; i++) {
                    int len = enc.write(1, indexes.size(), 0, 0, new byte[100]);
                    byte[] bytes = new byte[len];
                    frame.getBytes(0, bytes);
                    try (DocumentContext dc = appender.writingDocument()) {
                        dc.wire().bytes().write(bytes, 0, len);
                    }
                    indexes.add(appender.lastIndexAppended());
                }
            }
        }
        assertThat(RetentionTask.cycleFiles(q)).hasSize(4);
    }

    private BroadcastServer start(RetentionPolicy policy) {
        return BroadcastServer.start(new BroadcastConfig().queueDir(q).retention(policy)
                .listen(ListenAddress.parse("unix:" + tmp.resolve("s.sock"))).conclude());
    }

    private static final RecordListener IGNORE = (index, buffer, offset, length) -> { };

    private void ackAndDisconnect(BroadcastServer server, String name, long index) throws Exception {
        try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0)).name(name)
                .fromOldest(), IGNORE)) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (c.lastDeliveredIndex() < index) { // acking what was not sent yet is a protocol error
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(5);
            }
            c.ack(index);
            while (server.status().getClientsList().stream().noneMatch(s -> s.getName().equals(name) && s.getAckedIndex() == index)) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void trimsCyclesEveryClientAckedPastAndThenRefusesTheirIndexes() throws Exception {
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, null))) {
            ackAndDisconnect(server, "slow", indexes.get(15)); // in hour now-2
            ackAndDisconnect(server, "fast", indexes.get(35)); // in the current hour
            assertThat(server.runRetention()).isEqualTo(1);     // only now-3: "slow" still needs now-2
            assertThat(RetentionTask.cycleFiles(q)).hasSize(3);
            try {
                BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0)).name("late")
                        .resumeAfter(indexes.get(5)), IGNORE).close();
                throw new AssertionError("resumed from a trimmed cycle");
            } catch (RefusedException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.INDEX_NOT_RETAINED);
                assertThat(e.firstIndex()).isEqualTo(indexes.get(10));
            }
            // "slow" can still resume right where it was
            BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0)).name("slow")
                    .resumeAfter(indexes.get(15)), IGNORE).close();
        }
    }

    @Test
    void minSizeKeepsAckedCyclesAndMaxSizeDropsUnackedOnesWithAWarningFirst() throws Exception {
        long cycleBytes = RetentionTask.cycleFiles(q).get(0).bytes();
        long total = 4 * cycleBytes;
        // min size keeps everything although both clients acked the head
        try (BroadcastServer server = start(new RetentionPolicy(total, Long.MAX_VALUE, null))) {
            ackAndDisconnect(server, "a", indexes.get(39));
            assertThat(server.runRetention()).isZero();
        }
        // a max size the queue is near: the client stuck in the oldest cycle is warned
        try (BroadcastServer server = start(new RetentionPolicy(0, total + cycleBytes / 2, null))) {
            ackAndDisconnect(server, "stuck", indexes.get(3));
            assertThat(server.runRetention()).isZero();
            ClientStatus stuck = server.status().getClientsList().stream().filter(c -> c.getName().equals("stuck")).findFirst().orElseThrow();
            assertThat(stuck.getRetentionWarning()).isTrue();
            assertThat(stuck.getWarning()).contains("--retain-max-size");
        }
        // over the max size: the oldest cycle goes although "stuck" has not acked past it
        try (BroadcastServer server = start(new RetentionPolicy(0, total - cycleBytes / 2, null))) {
            assertThat(server.runRetention()).isEqualTo(1);
            ClientStatus stuck = server.status().getClientsList().stream().filter(c -> c.getName().equals("stuck")).findFirst().orElseThrow();
            assertThat(stuck.getWarning()).contains("must bootstrap");
        }
    }

    @Test
    void aGoneClientHoldsRetentionBackUntilForgotten() throws Exception {
        ListenAddress socket = ListenAddress.parse("unix:" + tmp.resolve("s.sock"));
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, null))) {
            ackAndDisconnect(server, "gone", indexes.get(5));    // hour now-3, then never seen again
            ackAndDisconnect(server, "alive", indexes.get(35));  // the current hour
            assertThat(server.runRetention()).isZero();           // "gone" protects everything from now-3 on
            long threeCycles = RetentionTask.cycleFiles(q).subList(0, 3).stream().mapToLong(RetentionTask.CycleFile::bytes).sum();

            // status names the client that holds retention back, with the command that forgets it
            ClientStatus gone = status(server, "gone");
            assertThat(gone.getHoldingBackBytes()).isEqualTo(threeCycles);
            assertThat(gone.getRetentionWarning()).isFalse();
            assertThat(gone.getWarning()).contains("disconnected, and holds back").contains("teefs forget gone");
            assertThat(status(server, "alive").getHoldingBackBytes()).isZero();
            assertThat(status(server, "alive").getWarning()).isEmpty();
            long deadline = System.nanoTime() + 10_000_000_000L; // positions are saved within a second
            while (!Files.exists(q.resolve("clients/gone.pos"))) {
                assertThat(System.nanoTime()).as("gone.pos saved").isLessThan(deadline);
                Thread.sleep(20);
            }

            // a connected client is not forgotten; an unknown one is refused with the names there are
            try (BroadcastClient alive = BroadcastClient.connect(new ClientOptions().address(socket).name("alive")
                    .resumeAfter(indexes.get(35)), IGNORE)) {
                assertThatThrownBy(() -> ForgetClient.forget(new ClientOptions().address(socket), "alive", 10_000))
                        .isInstanceOfSatisfying(RefusedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLIENT_CONNECTED))
                        .hasMessageContaining("stop that mirror first");
            }
            assertThatThrownBy(() -> ForgetClient.forget(new ClientOptions().address(socket), "nobody", 10_000))
                    .isInstanceOfSatisfying(RefusedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_CLIENT))
                    .hasMessageContaining("[alive, gone]");

            // forgetting it: its position goes, and the retention pass that follows trims what only it needed
            ForgetReply reply = ForgetClient.forget(new ClientOptions().address(socket), "gone", 10_000);
            assertThat(reply.getClientName()).isEqualTo("gone");
            assertThat(reply.getAckedIndex()).isEqualTo(indexes.get(5));
            assertThat(reply.getCyclesTrimmed()).isEqualTo(3);
            assertThat(RetentionTask.cycleFiles(q)).hasSize(1);
            assertThat(q.resolve("clients/gone.pos")).doesNotExist();
            assertThat(server.status().getClientsList()).extracting(ClientStatus::getName).containsExactly("alive");
            assertThat(server.status().getFirstIndex()).isEqualTo(indexes.get(30));
        }
        // and it stays forgotten across a restart
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, null))) {
            assertThat(server.status().getClientsList()).extracting(ClientStatus::getName).containsExactly("alive");
        }
    }

    @Test
    void forgettingLetsTheNextScheduledPassTrimToo() throws Exception {
        // without the immediate pass: the registry forgets, the housekeeping thread's next round trims
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, null))) {
            ackAndDisconnect(server, "gone", indexes.get(5));
            ackAndDisconnect(server, "alive", indexes.get(25));
            assertThat(server.runRetention()).isZero();
            ForgetReply reply = ForgetClient.forget(new ClientOptions().address(server.addresses().get(0)), "gone", 10_000);
            assertThat(reply.getCyclesTrimmed()).isEqualTo(2); // now-3 and now-2: "alive" still needs now-1
            assertThat(server.runRetention()).isZero();
            assertThat(RetentionTask.cycleFiles(q)).hasSize(2);
        }
    }

    private static ClientStatus status(BroadcastServer server, String name) {
        return server.status().getClientsList().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void maxAgeDropsOldCycles() throws Exception {
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, Duration.ofMinutes(150)))) {
            ackAndDisconnect(server, "stuck", indexes.get(0));
            // cycle now-3 ended about 2 h ago at most... only cycles that ended more than 150 min ago go
            int deleted = server.runRetention();
            assertThat(deleted).isBetween(0, 1);
            assertThat(RetentionTask.cycleFiles(q)).hasSize(4 - deleted);
        }
        try (BroadcastServer server = start(new RetentionPolicy(0, Long.MAX_VALUE, Duration.ofMinutes(5)))) {
            // cycles now-3 and now-2 ended more than an hour ago; now-1 may have ended less than 5 min ago
            assertThat(server.runRetention() + (4 - RetentionTask.cycleFiles(q).size())).isGreaterThanOrEqualTo(2);
            assertThat(RetentionTask.cycleFiles(q).size()).isBetween(1, 2);
        }
    }
}
