package teefs.mirror.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.mirror.testing.Journal;
import teefs.mirror.testing.Scenarios;
import teefs.mirror.verify.Difference;
import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;

/** Applying again, from any earlier index, ends where one application ends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdempotenceTest {
    @TempDir
    Path tmp;

    private final TreeVerifier verifier = new TreeVerifier(VerifyOptions.full());

    private Path reference(Journal j) throws IOException {
        Path ref = Files.createDirectory(tmp.resolve("reference"));
        try (ApplyEngine engine = ApplyEngine.open(ref)) {
            j.applyTo(engine);
        }
        return ref;
    }

    @Test
    void theScenarioBuildsWhatItShould() throws IOException {
        Path ref = reference(Scenarios.everyday());
        assertThat(Files.readString(ref.resolve("b/final"))).isEqualTo("ATOMIC save");
        assertThat(Files.readSymbolicLink(ref.resolve("b/l2")).toString()).isEqualTo("../f");
        assertThat(Files.size(ref.resolve("b/f"))).isEqualTo(100);
        assertThat(Files.readString(ref.resolve("b/f")).substring(0, 20)).isEqualTo("firs\0\0\0\0\0\0\0\0n\0\0\0\0\0\0\0");
        assertThat(Files.readString(ref.resolve("d"))).isEqualTo("second session reuses handle 1");
        assertThat(ref.toFile().list()).containsExactlyInAnyOrder("b", "d", "pipe");
    }

    @Test
    void applyingEverythingTwiceEndsIdentical() throws IOException {
        Journal j = Scenarios.everyday();
        Path ref = reference(j);
        Path twice = Files.createDirectory(tmp.resolve("twice"));
        try (ApplyEngine engine = ApplyEngine.open(twice)) {
            j.applyTo(engine);
            j.applyTo(engine);
        }
        assertThat(verifier.compare(ref, twice)).isEmpty();
    }

    @Test
    void applyingAnySuffixAgainEndsIdentical() throws IOException {
        Journal j = Scenarios.everyday();
        Path ref = reference(j);
        Path target = Files.createDirectory(tmp.resolve("target"));
        List<Map<Integer, String>> handlesBefore = new ArrayList<>();
        try (ApplyEngine engine = ApplyEngine.open(target)) {
            for (int i = 0; i < j.size(); i++) {
                handlesBefore.add(engine.handles());
                j.applyTo(engine, i, i + 1);
            }
        }
        for (int k = j.size() - 1; k >= 0; k--) {
            // a mirror that persisted index k-1 with its handles, crashed later, and resumes at k
            try (ApplyEngine resumed = ApplyEngine.open(target)) {
                resumed.restoreHandles(handlesBefore.get(k));
                j.applyTo(resumed, k, j.size());
            }
            List<Difference> differences = verifier.compare(ref, target);
            assertThat(differences).as("after replaying again from record %d", k).isEmpty();
        }
    }
}
