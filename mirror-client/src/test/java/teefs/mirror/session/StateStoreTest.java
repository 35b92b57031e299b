package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void savesAndLoadsTheStateWithHandlesWhoseNamesNeedEscaping() {
        StateStore store = new StateStore(dir.resolve(".disk1.teefs-state"));
        assertThat(store.load()).isEmpty();
        MirrorState s = new MirrorState("5f6ab8f4-21aa-4c4a-94cb-701125192aa0", 2141990384843394L, MirrorState.NONE,
                Map.of(7, "a/b c/ünï\nline", 1, "x"));
        store.save(s, true);
        assertThat(store.load()).contains(s);
        MirrorState next = s.applied(2141990384843400L, Map.of());
        store.save(next, false);
        assertThat(store.load()).contains(next);
        assertThat(dir.resolve(".disk1.teefs-state.tmp")).doesNotExist();
    }

    @Test
    void theDirectorySavedForRoundTripsWithAndWithoutAWindowAndOlderVersionsStillLoad() throws Exception {
        StateStore store = new StateStore(dir.resolve("state"));
        TargetIdentity drive = new TargetIdentity(2, 1_763_942_400L, 123_456_789);
        MirrorState plain = new MirrorState("q", 9, MirrorState.NONE, Map.of(3, "f"), null, drive);
        store.save(plain, true);
        assertThat(store.load()).contains(plain);
        assertThat(store.load().orElseThrow().applied(10, Map.of()).target()).as("kept by each next state")
                .isEqualTo(drive);
        BootstrapWindow window = new BootstrapWindow(40, "/srv/store", Map.of("a/b", 41L));
        MirrorState windowed = new MirrorState("q", 9, 3, Map.of(), window,
                new TargetIdentity(77, TargetIdentity.NO_BIRTH, 0));
        store.save(windowed, true);
        assertThat(store.load()).contains(windowed);

        // what an older teefs wrote (versions 1 and 2) loads, naming no directory
        MirrorState old = new MirrorState("q", 9, MirrorState.NONE, Map.of(), window);
        store.save(old, true);
        assertThat(Files.readAllBytes(dir.resolve("state"))[11]).as("written as version 2").isEqualTo((byte) 2);
        assertThat(store.load()).contains(old);
        assertThat(store.load().orElseThrow().target()).isNull();
    }

    @Test
    void aDirectoryIsTheSameUnderAnotherNameNotWhenMadeAnew() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        TargetIdentity first = TargetIdentity.of(a);
        Path renamed = Files.move(a, dir.resolve("renamed"));
        assertThat(TargetIdentity.of(renamed).sameDirectory(first)).isTrue();
        Files.delete(renamed);
        Files.createDirectories(a);
        assertThat(TargetIdentity.of(a).sameDirectory(first)).as("made anew: %s against %s", TargetIdentity.of(a),
                first).isFalse();
        assertThat(new TargetIdentity(5, TargetIdentity.NO_BIRTH, 0)
                .sameDirectory(new TargetIdentity(5, 1_763_942_400L, 1))).as("no birth time on one side").isTrue();
        assertThatThrownBy(() -> TargetIdentity.of(dir.resolve("missing")))
                .hasMessageContaining("mount the drive");
    }

    @Test
    void aCorruptStateIsRefusedWithTheWayOut() throws Exception {
        Path file = dir.resolve("state");
        StateStore store = new StateStore(file);
        store.save(new MirrorState("q", 5, MirrorState.NONE, Map.of(1, "f")), true);
        byte[] bytes = Files.readAllBytes(file);
        bytes[20] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(store::load).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("corrupt").hasMessageContaining("--bootstrap").hasMessageContaining(file.toString());
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(store::load).hasMessageContaining("corrupt");
    }

    @Test
    void theDefaultStateFileIsBesideTargetNeverInside() {
        assertThat(StateStore.defaultFile(Path.of("/pool/disk1"))).isEqualTo(Path.of("/pool/.disk1.teefs-state"));
        assertThatThrownBy(() -> new MirrorOptions().address("unix:/run/s.sock").target(dir.resolve("t"))
                .stateFile(dir.resolve("t/state")).conclude()).hasMessageContaining("inside --target");
    }

    @Test
    void bootstrapTracksFromTheStartOfTheHeadsCycle() {
        long cycle = 498_711L;
        long head = (cycle << 32) | 1234;
        assertThat(Bootstrapper.trackFrom(head, (cycle - 2) << 32, 0)).isEqualTo(cycle << 32);
        // the oldest retained record inside the head's cycle is later than its start: start there
        assertThat(Bootstrapper.trackFrom(head, (cycle << 32) | 7, 0)).isEqualTo((cycle << 32) | 7);
    }

    @Test
    void bootstrapTracksFromTheRestatementTheServerNamedWhenItIsRetainedAndNotAfterTheHead() {
        long cycle = 498_711L;
        long head = (cycle << 32) | 9000;
        long restatement = (cycle << 32) | 8192;
        assertThat(Bootstrapper.trackFrom(head, (cycle - 2) << 32, restatement)).isEqualTo(restatement);
        assertThat(Bootstrapper.trackFrom(head, (cycle << 32) | 8500, restatement)).isEqualTo((cycle << 32) | 8500);
        assertThat(Bootstrapper.trackFrom(head, (cycle - 2) << 32, head + 1)).isEqualTo(cycle << 32);
        assertThat(Bootstrapper.trackFrom(head, (cycle - 2) << 32, head)).isEqualTo(head);
    }
}
