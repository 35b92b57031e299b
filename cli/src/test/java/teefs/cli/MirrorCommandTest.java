package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static teefs.cli.ClientTlsCommandsTest.teefs;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Mistakes in a mirror's arguments are refused before anything is contacted, copied or created. */
class MirrorCommandTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60) // without the check it would wait for the server forever, retrying
    void aBootstrapFromALocalSourceThatIsNoDirectoryIsRefusedAtOnce() {
        Path target = dir.resolve("disk1");
        ClientTlsCommandsTest.Run run = teefs("mirror", "--connect", "unix:" + dir.resolve("nobody.sock"),
                "--target", target.toString(), "--bootstrap", "--source", dir.resolve("no-store").toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--source " + dir.resolve("no-store") + " is not a directory")
                .doesNotContain("\tat ");
        assertThat(target).doesNotExist();
        assertThat(dir.resolve(".disk1.teefs-state")).doesNotExist();
    }

    @Test
    void aSourceWithoutBootstrapAndAMissingTargetSayWhatToDo() throws Exception {
        Files.createDirectories(dir.resolve("store"));
        ClientTlsCommandsTest.Run source = teefs("mirror", "--connect", "unix:" + dir.resolve("s.sock"),
                "--target", dir.toString(), "--source", dir.resolve("store").toString());
        assertThat(source.code()).isEqualTo(2);
        assertThat(source.err()).contains("--source is only used with --bootstrap");

        ClientTlsCommandsTest.Run target = teefs("mirror", "--connect", "unix:" + dir.resolve("s.sock"),
                "--target", dir.resolve("unmounted").toString());
        assertThat(target.code()).isEqualTo(2);
        assertThat(target.err()).contains("is not a directory: mount the drive, or create the mirror with "
                + "--bootstrap --source STORE");
    }

    @Test
    @Timeout(60)
    void aTargetAndASourceThatOverlapAreRefusedBeforeRsyncDeletesAnything() throws Exception {
        Path store = Files.createDirectories(dir.resolve("srv/store"));
        Files.writeString(dir.resolve("srv/precious"), "not part of the store");
        Files.writeString(store.resolve("f"), "in the store");
        Files.createSymbolicLink(dir.resolve("alias"), dir.resolve("srv"));
        for (String target : new String[] {dir.resolve("srv").toString(), dir.resolve("alias").toString(),
                store.resolve("mirror").toString()}) {
            ClientTlsCommandsTest.Run run = teefs("mirror", "--connect", "unix:" + dir.resolve("nobody.sock"),
                    "--target", target, "--bootstrap", "--source", store.toString());
            assertThat(run.code()).as(target).isEqualTo(2);
            assertThat(run.err()).contains("overlap").contains("a directory of its own");
        }
        assertThat(dir.resolve("srv/precious")).hasContent("not part of the store");
        assertThat(store.resolve("mirror")).doesNotExist();
    }
}
