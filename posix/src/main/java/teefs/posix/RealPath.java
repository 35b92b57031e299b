package teefs.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths with their symlinks resolved as far as they exist: a mirror's TARGET may not exist yet. */
public final class RealPath {
    private RealPath() {
    }

    /** {@code path} absolute and normalized, its longest existing part resolved to the real path. */
    public static Path asFarAsItExists(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }
}
