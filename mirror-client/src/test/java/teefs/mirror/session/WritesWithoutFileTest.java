package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mirror whose writes find no file says so on its log at the next flush, once, and stays quiet otherwise. */
class WritesWithoutFileTest {
    private static final String QUEUE = "0b4f3a52-7d1e-4bb0-9a51-4f2f8c1f5e11";

    @TempDir
    Path dir;

    @Test
    void writesToAFileMissingFromTargetAreToldAtTheNextFlushOnly() throws Exception {
        LiveSource source = new LiveSource(dir.resolve("store"));
        Path target = Files.createDirectories(dir.resolve("target"));
        source.existing("kept", "on both").existing("gone", "on the source only");
        source.copyTo(target, "/gone"); // TARGET lost it behind the mirror's back
        long first = source.next();
        int toGone = source.associate("gone");
        source.append(toGone, "gone", ", one").append(toGone, "gone", ", two");
        long missing = source.last();
        int toKept = source.associate("kept");
        source.append(toKept, "kept", ", and more");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateLog log = new StateLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), "t");
        StateStore store = new StateStore(dir.resolve("state"));
        store.save(new MirrorState(QUEUE, first - 1, MirrorState.NONE, Map.of()), false);
        try (DurableApplier applier = new DurableApplier(target, store, SyncMode.NONE, store.load().orElseThrow(),
                System::nanoTime, null, log)) {
            source.applyTo(applier, first, missing);
            applier.flush();
            String told = bytes.toString(StandardCharsets.UTF_8);
            assertThat(told).contains("2 writes up to index " + missing + " found no file on TARGET")
                    .contains("check with teefs verify");

            source.applyTo(applier, missing + 1, source.last());
            applier.flush();
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("said once: the later writes all landed")
                .containsOnlyOnce("found no file");
        assertThat(Files.readString(target.resolve("kept"))).isEqualTo("on both, and more");
    }
}
