package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyMaterialGeneratorTest {
    @TempDir
    Path dir;

    /**
     * keytool's launcher takes an argument starting with -J as a JVM option wherever it stands: a random URL-safe
     * keystore password did once in 4,096 keygens ("Could not find or load main class ..."), failing teefs keygen.
     */
    @Test
    void aKeystorePasswordThatLooksLikeALauncherOptionStillWorks() throws Exception {
        KeyMaterialGenerator.Pair pair = KeyMaterialGenerator.selfSigned(dir, "CN=teefs test", 1,
                "-JwnvXFh2MPuLAmSP-3FAdcl".toCharArray());
        assertThat(pair.cert().getSubjectX500Principal().getName()).isEqualTo("CN=teefs test");
        assertThat(pair.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).as("the temporary keystore is deleted").isEmpty();
        }
    }
}
