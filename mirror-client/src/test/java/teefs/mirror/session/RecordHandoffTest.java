package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handoff between a connection's event loop and the mirror thread: a connection of an earlier session (one the
 * mirror gave up without waiting for it) never reaches a later session, neither by its records nor by its end.
 */
@Timeout(60)
class RecordHandoffTest {
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);

    @Test
    void recordsAndTheEndOfAnEarlierSessionAreRefusedOrDropped() {
        RecordHandoff handoff = new RecordHandoff(RecordHandoff.DEFAULT_CAPACITY, Thread.currentThread());
        int first = handoff.reopen();
        assertThat(handoff.offer(first, 10, frame, 0, 32)).isTrue();
        int second = handoff.reopen();
        assertThat(second).isNotEqualTo(first);
        assertThat(handoff.isEmpty()).as("what the first session left is discarded").isTrue();

        assertThat(handoff.offer(first, 11, frame, 0, 32)).as("the first session's connection, still sending").isFalse();
        handoff.connectionClosed(first, new RuntimeException("the first connection ends late"));
        assertThat(handoff.closeCause()).as("the second session goes on").isNull();

        assertThat(handoff.offer(second, 5, frame, 0, 32)).isTrue();
        List<Long> seen = new ArrayList<>();
        handoff.drain((index, buffer, offset, length) -> seen.add(index), 10);
        assertThat(seen).containsExactly(5L);
        RuntimeException end = new RuntimeException("the second connection ends");
        handoff.connectionClosed(second, end);
        assertThat(handoff.closeCause()).isSameAs(end);
    }

    @Test
    void aConnectionStillSendingWhileSessionsChangeNeverReachesALaterOne() throws Exception {
        RecordHandoff handoff = new RecordHandoff(RecordHandoff.DEFAULT_CAPACITY, Thread.currentThread());
        AtomicBoolean stop = new AtomicBoolean();
        int[] current = {handoff.reopen()};
        List<Thread> producers = new ArrayList<>();
        List<Long> wrong = new ArrayList<>();
        long delivered = 0;
        for (int round = 0; round < 20; round++) {
            int session = current[0];
            long base = (long) session << 40; // each session's indexes say which session sent them
            Thread producer = new Thread(() -> {
                for (long i = 0; !stop.get(); i++) {
                    if (!handoff.offer(session, base + i, frame, 0, 48)) {
                        return; // told the session is over, as a connection's event loop is
                    }
                }
            });
            producer.setDaemon(true);
            producer.start();
            producers.add(producer);
            long until = System.nanoTime() + 5_000_000;
            while (System.nanoTime() < until) {
                delivered += handoff.drain((index, buffer, offset, length) -> {
                    if (index >>> 40 != session) {
                        wrong.add(index);
                    }
                }, 64);
            }
            current[0] = handoff.reopen();
        }
        stop.set(true);
        for (Thread t : producers) {
            t.join(5000);
        }
        assertThat(delivered).as("records went through at all").isPositive();
        assertThat(wrong).as("records of an earlier session delivered to a later one").isEmpty();
    }
}
