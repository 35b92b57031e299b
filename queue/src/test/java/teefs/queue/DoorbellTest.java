package teefs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue's doorbell between two ends in one process (as they would be in the journal and the broadcaster): a ring
 * reaches the pipe only when a listener armed it, once per arming, and the listener knows whether a live ringer is
 * there.
 */
@Timeout(30)
class DoorbellTest {
    @TempDir
    Path dir;

    @Test
    void aQueueWithoutADoorbellHasNoListenerSide() {
        assertThat(Doorbell.forListener(dir)).isEmpty();
    }

    @Test
    void ringsReachTheListenerOnlyWhenArmedAndOncePerArming() throws Exception {
        try (Doorbell ringer = Doorbell.forRinger(dir);
             Doorbell listener = Doorbell.forListener(dir).orElseThrow()) {
            ringer.ring();
            ringer.ring(); // nobody armed: nothing written
            listener.arm();
            ringer.ring();
            ringer.ring();
            ringer.ring(); // one arming, one byte
            assertThat(listener.awaitRing()).isEqualTo(1);
            listener.arm();
            listener.arm(); // arming twice before a ring is still one ring
            ringer.ring();
            listener.wakeListener();
            assertThat(listener.awaitRing()).as("the ring and the listener's own wake-up").isEqualTo(2);
        }
    }

    @Test
    void theListenerKnowsWhetherALiveProcessRings() {
        Doorbell ringer = Doorbell.forRinger(dir);
        try (Doorbell listener = Doorbell.forListener(dir).orElseThrow()) {
            assertThat(listener.ringerAlive()).as("this process rings").isTrue();
        }
        ringer.close();
        try (Doorbell listener = Doorbell.forListener(dir).orElseThrow()) {
            assertThat(listener.ringerAlive()).as("the ringer closed: poll").isFalse();
        }
    }

    @Test
    void aRestartedRingerKeepsThePipeTheListenerHolds() throws Exception {
        try (Doorbell listener = Doorbell.forListener(dirWithDoorbell()).orElseThrow()) {
            try (Doorbell second = Doorbell.forRinger(dir)) {
                listener.arm();
                second.ring();
                assertThat(listener.awaitRing()).as("the ring of a ringer that opened the same pipe again")
                        .isEqualTo(1);
            }
        }
    }

    private Path dirWithDoorbell() {
        Doorbell.forRinger(dir).close();
        return dir;
    }

    @Test
    void somethingElseWhereThePipeGoesIsRefusedByName() throws Exception {
        Files.writeString(dir.resolve(Doorbell.PIPE), "not a pipe");
        assertThatThrownBy(() -> Doorbell.forRinger(dir)).isInstanceOf(QueueException.class)
                .hasMessageContaining(dir.resolve(Doorbell.PIPE).toString()).hasMessageContaining("not a named pipe");
        assertThat(Doorbell.forListener(dir)).isEmpty();
    }

    @Test
    void theJournalsAppenderRingsAfterEachRecordItMakesVisible() throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(dir);
             JournalAppender appender = queue.appender(new AppendOptions(SyncLevel.BATCH, 10, 0));
             Doorbell listener = Doorbell.forListener(dir).orElseThrow()) {
            assertThat(listener.ringerAlive()).isTrue();
            listener.arm();
            var scratch = new org.agrona.concurrent.UnsafeBuffer(new byte[64]);
            int length = new teefs.protocol.RecordEncoder().wrap(scratch, 0).release(7);
            appender.append(scratch, 0, length);
            assertThat(listener.awaitRing()).isEqualTo(1);
        }
    }
}
