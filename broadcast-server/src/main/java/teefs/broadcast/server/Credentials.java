package teefs.broadcast.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens a client may present, read from a token file (one token per line; blank lines and {@code #} comments
 * ignored). Without a token file any credential is accepted (the Unix-socket/loopback default).
 *
 * <p>Thread-safe: {@link #reload()} (SIGHUP) swaps an immutable list that event loops read.
 */
public final class Credentials {
    private final Path tokenFile;
    private volatile List<byte[]> tokens;

    public Credentials(Path tokenFile) {
        this.tokenFile = tokenFile;
        this.tokens = tokenFile == null ? null : read(tokenFile);
    }

    public static List<byte[]> read(Path file) {
        List<byte[]> result = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    result.add(t.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("token file " + file + " holds no token: put one per line "
                    + "('teefs keygen' writes one)");
        }
        return List.copyOf(result);
    }

    public boolean required() {
        return tokens != null;
    }

    /** Constant-time comparison against every token. */
    public boolean accepts(String credential) {
        List<byte[]> current = tokens;
        if (current == null) {
            return true;
        }
        byte[] given = credential.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : current) {
            ok |= MessageDigest.isEqual(t, given);
        }
        return ok;
    }

    /** Reads the token file again without using it yet (null without a token file); throws naming the file. */
    public List<byte[]> load() {
        return tokenFile == null ? null : read(tokenFile);
    }

    /** Later handshakes check against {@code loaded} (from {@link #load}). */
    public void use(List<byte[]> loaded) {
        tokens = loaded;
    }

    /** Re-reads the token file; on failure the old tokens stay and the exception says why. */
    public void reload() {
        use(load());
    }

    /** For the log: how many tokens are accepted, or that none is required. */
    public String summary() {
        List<byte[]> current = tokens;
        return current == null ? "no token required" : current.size() + (current.size() == 1 ? " token" : " tokens")
                + " from --token-file " + tokenFile;
    }
}
