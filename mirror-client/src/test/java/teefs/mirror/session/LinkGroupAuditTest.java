package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkGroupAuditTest {
    @TempDir
    Path root;

    private Path source;
    private Path target;

    private void trees() throws Exception {
        source = Files.createDirectories(root.resolve("source"));
        target = Files.createDirectories(root.resolve("target"));
        for (Path t : List.of(source, target)) {
            Files.createDirectories(t.resolve("d"));
            Files.writeString(t.resolve("a"), "one");
            Files.createLink(t.resolve("d/b"), t.resolve("a"));
            Files.writeString(t.resolve("c"), "two");
            Files.createLink(t.resolve("d/e"), t.resolve("c"));
            Files.writeString(t.resolve("single"), "alone");
        }
    }

    @Test
    void groupsThatMatchTheSourceAreRight() throws Exception {
        trees();
        LinkGroupAudit audit = new LinkGroupAudit(target, source);
        assertThat(audit.groups()).containsExactly(List.of("a", "d/b"), List.of("c", "d/e"));
        assertThat(audit.suspectNames()).isEmpty();
    }

    @Test
    void namesWithSpacesAndSymlinksToLinkedFilesAreRead() throws Exception {
        trees();
        Files.createLink(target.resolve("d/with space  and\ttab"), target.resolve("single"));
        Files.createSymbolicLink(target.resolve("link-to-a"), target.resolve("a"));
        LinkGroupAudit audit = new LinkGroupAudit(target, null);
        assertThat(audit.groups()).containsExactly(List.of("a", "d/b"), List.of("c", "d/e"),
                List.of("d/with space  and\ttab", "single"));
        assertThat(audit.linkedNames()).isEqualTo(6);
    }

    @Test
    void aTargetThatCannotBeWalkedIsAnErrorNamingIt() {
        Path missing = root.resolve("gone");
        assertThatThrownBy(() -> new LinkGroupAudit(missing, null).groups()).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void twoGroupsJoinedOnTargetAreSuspect() throws Exception {
        trees();
        Files.delete(target.resolve("c"));
        Files.createLink(target.resolve("c"), target.resolve("a"));
        Files.delete(target.resolve("d/e"));
        Files.createLink(target.resolve("d/e"), target.resolve("a"));
        assertThat(new LinkGroupAudit(target, source).suspectNames()).containsExactly("a", "c", "d/b", "d/e");
    }

    @Test
    void aNameThatIsNoLongerTheSameFileOnSourceMakesItsGroupSuspect() throws Exception {
        trees();
        Files.delete(source.resolve("d/b"));
        Files.writeString(source.resolve("d/b"), "a new file under the old name");
        assertThat(new LinkGroupAudit(target, source).suspectNames()).containsExactly("a", "d/b");
        Files.delete(source.resolve("d/b"));
        assertThat(new LinkGroupAudit(target, source).suspectNames()).as("gone from the source")
                .containsExactly("a", "d/b");
    }

    @Test
    void noSymlinkOnTheSourceIsFollowed() throws Exception {
        trees();
        // the source's d becomes a symlink to a directory holding a link of a under the same name
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.createLink(elsewhere.resolve("b"), source.resolve("a"));
        Files.move(source.resolve("d"), root.resolve("old-d"));
        Files.createSymbolicLink(source.resolve("d"), elsewhere);
        assertThat(new LinkGroupAudit(target, source).suspectNames()).contains("a", "d/b");
    }

    @Test
    void withARemoteSourceEveryGroupIsCopiedAgain() throws Exception {
        trees();
        assertThat(new LinkGroupAudit(target, null).suspectNames()).containsExactly("a", "c", "d/b", "d/e");
    }
}
