package teefs.broadcast.server;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import teefs.broadcast.net.CertificateTrust;
import teefs.broadcast.net.Pem;

/**
 * The server's TLS certificate and key (PEM files) and, optionally, the client certificates it requires
 * ({@code --client-ca}), or no TLS at all. {@link #load()} reads the files into a new context; {@link #use} makes it
 * the one later connections get (SIGHUP); established connections keep theirs.
 *
 * <p>Thread-safe: a volatile swap.
 */
public final class TlsMaterial {
    private final Path cert;
    private final Path key;
    private final Path clientCa;
    private volatile SslContext context;
    private volatile String summary;

    public TlsMaterial(Path cert, Path key, Path clientCa) {
        this.cert = cert;
        this.key = key;
        this.clientCa = clientCa;
        use(load());
    }

    /** What {@link #load} read: the context (null without TLS) and a line for the log. */
    public record Loaded(SslContext context, String summary) {
    }

    /** Reads the files; throws {@link IllegalArgumentException} naming the file and the fix, changing nothing. */
    public Loaded load() {
        if (cert == null) {
            return new Loaded(null, "no TLS");
        }
        List<X509Certificate> chain = Pem.certificates(cert, "--tls-cert");
        Pem.requireMatch(Pem.privateKey(key, "--tls-key"), chain.get(0), "--tls-key", key, "--tls-cert", cert);
        try {
            SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK);
            String clients = "";
            if (clientCa != null) {
                CertificateTrust trust = CertificateTrust.clientAuthorities(clientCa);
                b.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
                clients = ", client certificates required (--client-ca " + clientCa + ": "
                        + trust.certificates().size() + " trusted)";
            }
            return new Loaded(b.build(), "TLS certificate " + Pem.describe(chain.get(0)) + clients);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load TLS certificate " + cert + " and key " + key + ": "
                    + e.getMessage() + " (both PEM; the key in PKCS#8, as 'teefs keygen' writes them)", e);
        }
    }

    /** Later connections use {@code loaded}. */
    public void use(Loaded loaded) {
        context = loaded.context();
        summary = loaded.summary();
    }

    /** The context for new connections, or null when TLS is off. */
    public SslContext context() {
        return context;
    }

    /** Whether TLS clients must present a certificate. */
    public boolean requiresClientCertificates() {
        return clientCa != null;
    }

    public Path clientCa() {
        return clientCa;
    }

    /** One line for the log: the certificate in use and what clients must present. */
    public String summary() {
        return summary;
    }
}
