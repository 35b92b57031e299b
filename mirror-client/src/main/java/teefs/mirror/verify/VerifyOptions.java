package teefs.mirror.verify;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * What {@link TreeVerifier} compares.
 *
 * @param quick       skip comparing file contents (types, sizes and metadata are still compared)
 * @param ignoreGlobs glob patterns ({@code .fuse_hidden*}, {@code cache/**}); an entry whose name or relative path
 *                    matches one is left out with everything under it. Nothing else is ignored.
 */
public record VerifyOptions(boolean quick, List<String> ignoreGlobs) {
    public VerifyOptions {
        ignoreGlobs = List.copyOf(ignoreGlobs);
        for (String glob : ignoreGlobs) {
            if (glob.isEmpty()) {
                throw new IllegalArgumentException("an empty --ignore pattern would match nothing; remove it");
            }
        }
    }

    /** Full comparison, nothing ignored. */
    public static VerifyOptions full() {
        return new VerifyOptions(false, List.of());
    }

    List<PathMatcher> matchers() {
        return ignoreGlobs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }

    static boolean ignored(List<PathMatcher> matchers, String relative, String name) {
        if (matchers.isEmpty()) {
            return false;
        }
        Path rel = Path.of(relative);
        Path file = Path.of(name);
        for (PathMatcher m : matchers) {
            if (m.matches(rel) || m.matches(file)) {
                return true;
            }
        }
        return false;
    }
}
