package teefs.broadcast.server;

import java.nio.file.Path;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * The server's TLS certificate and key (PEM files), or none. {@link #reload()} (SIGHUP) builds a new context that
 * later connections use; established ones keep theirs.
 *
 * <p>Thread-safe: a volatile swap.
 */
public final class TlsMaterial {
    private final Path cert;
    private final Path key;
    private volatile SslContext context;

    public TlsMaterial(Path cert, Path key) {
        this.cert = cert;
        this.key = key;
        this.context = cert == null ? null : build(cert, key);
    }

    private static SslContext build(Path cert, Path key) {
        try {
            return SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load TLS certificate " + cert + " and key " + key + ": "
                    + e.getMessage() + " (both PEM; the key in PKCS#8, as 'teefs keygen' writes them)", e);
        }
    }

    /** The context for new connections, or null when TLS is off. */
    public SslContext context() {
        return context;
    }

    public void reload() {
        if (cert != null) {
            context = build(cert, key);
        }
    }
}
