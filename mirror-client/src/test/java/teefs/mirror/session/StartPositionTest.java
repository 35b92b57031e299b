package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.ClientOptions;
import teefs.mirror.testing.Journal;
import teefs.protocol.control.StartMode;

/**
 * Where a mirror asks the server to start, and what it asks it to leave out: after a bootstrap, the records from the
 * head's CHECKPOINT up to the head are read for their handles only, so the server sends only those that change
 * handles, and the mirror rebuilds its table from that gapped stream.
 */
@Timeout(60)
class StartPositionTest {
    private static final String QUEUE = "0b9d3c5e-7c1a-4a57-9d0e-3d6f1f2a4b11";

    @TempDir
    Path dir;

    private ClientOptions startOf(MirrorState saved) throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        StateStore store = new StateStore(dir.resolve("state"));
        store.save(saved, false);
        ClientOptions options = new ClientOptions();
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.BATCH, saved, System::nanoTime)) {
            applier.startPosition(options);
        }
        return options;
    }

    @Test
    void aFreshMirrorStartsAtTheOldestAndAResumingOneAfterItsIndexWithEveryRecord() throws Exception {
        ClientOptions fresh = startOf(new MirrorState(QUEUE, -1, MirrorState.NONE, Map.of()));
        assertThat(fresh.startMode()).isEqualTo(StartMode.START_AT_OLDEST);
        assertThat(fresh.handlesOnlyBefore()).isZero();

        ClientOptions resume = startOf(new MirrorState(QUEUE, 41, MirrorState.NONE, Map.of()));
        assertThat(resume.startMode()).isEqualTo(StartMode.START_AFTER_INDEX);
        assertThat(resume.index()).isEqualTo(41);
        assertThat(resume.handlesOnlyBefore()).isZero();
    }

    @Test
    void afterABootstrapOnlyHandleChangesAreAskedForUpToTheHead() throws Exception {
        ClientOptions tracking = startOf(new MirrorState(QUEUE, 99, 50, Map.of()));
        assertThat(tracking.startMode()).isEqualTo(StartMode.START_AT_INDEX);
        assertThat(tracking.index()).isEqualTo(50);
        assertThat(tracking.handlesOnlyBefore()).isEqualTo(100);
    }

    @Test
    void handlesAreRebuiltFromTheGappedStreamAndTheHeadRecordLandsThroughThem() throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("g"), "copied by rsync");
        StateStore store = new StateStore(dir.resolve("state"));
        // what the server sends for handlesOnlyBefore(100): the CHECKPOINT at 50, the ASSOCIATE at 60 and the RENAME
        // at 70 (the WRITEs between them are left out), then everything from 100 on
        List<byte[]> frames = new Journal().checkpoint(true, Map.of(3, "gone")).associate(5, "f").rename("f", "g")
                .write(5, 0, "HEAD").release(5).frames();
        long[] indexes = {50, 60, 70, 100, 101};
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.BATCH,
                new MirrorState(QUEUE, 99, 50, Map.of()), System::nanoTime)) {
            for (int i = 0; i < frames.size(); i++) {
                if (i == 3) {
                    assertThat(applier.tracking()).isTrue();
                }
                applier.accept(indexes[i], new UnsafeBuffer(frames.get(i)), 0, frames.get(i).length);
            }
            assertThat(applier.tracking()).isFalse();
            assertThat(applier.applied()).isEqualTo(101);
        }
        assertThat(Files.readString(target.resolve("g"))).isEqualTo("HEADed by rsync");
        assertThat(target.resolve("f")).doesNotExist();
        assertThat(target.resolve("gone")).doesNotExist();
    }
}
