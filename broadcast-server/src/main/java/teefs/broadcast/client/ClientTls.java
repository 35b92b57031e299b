package teefs.broadcast.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import teefs.broadcast.net.CertificateTrust;
import teefs.broadcast.net.Pem;

/**
 * How a client secures a TCP connection, each a PEM file: whom it trusts, either the server's own certificate
 * ({@code --server-cert}: pinned, exactly that certificate) or the CA that issued it ({@code --server-ca}: PKIX, and
 * the certificate must name the host the client connects to); and, when the server requires one ({@code
 * --client-ca} there), the certificate and key it presents ({@code --client-cert}, {@code --client-key}).
 *
 * <p>TLS applies to {@code tcp://} addresses only; a Unix socket is protected by its file permissions (as on the
 * server, which never speaks TLS on one). Files are read again for every connection, so a client picks up renewed
 * files on its next reconnect.
 *
 * @param serverCert pinned server certificate(s), or null
 * @param serverCa   CA certificate(s) that issued the server's, or null
 * @param clientCert the certificate to present, or null
 * @param clientKey  its PKCS#8 private key, or null
 */
public record ClientTls(Path serverCert, Path serverCa, Path clientCert, Path clientKey) {

    /** Trust exactly the server certificate(s) in {@code pem} (the server.crt 'teefs keygen' wrote). */
    public static ClientTls pinned(Path pem) {
        return pem == null ? null : of(pem, null, null, null);
    }

    /**
     * The settings, or null when none is given (no TLS).
     *
     * @throws IllegalArgumentException naming the flag and the fix when they do not fit together or a file is missing
     */
    public static ClientTls of(Path serverCert, Path serverCa, Path clientCert, Path clientKey) {
        if (serverCert == null && serverCa == null && clientCert == null && clientKey == null) {
            return null;
        }
        if (serverCert != null && serverCa != null) {
            throw new IllegalArgumentException("give either --server-cert (the server's own certificate, pinned) or "
                    + "--server-ca (the CA that issued it), not both");
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException(clientCert == null ? "--client-key needs its --client-cert"
                    : "--client-cert needs its --client-key (the files 'teefs keygen --client NAME' wrote)");
        }
        if (serverCert == null && serverCa == null) {
            throw new IllegalArgumentException("--client-cert needs --server-cert FILE or --server-ca FILE: a client "
                    + "certificate is presented over TLS, and TLS must know which server to trust (copy the server's "
                    + "server.crt, made by 'teefs keygen', and pass it as --server-cert)");
        }
        readable("--server-cert", serverCert);
        readable("--server-ca", serverCa);
        readable("--client-cert", clientCert);
        readable("--client-key", clientKey);
        return new ClientTls(serverCert, serverCa, clientCert, clientKey);
    }

    private static void readable(String option, Path file) {
        if (file != null && !Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + " does not exist or is not readable");
        }
    }

    /** Whether the server's certificate must also name the host connected to (with a CA, not with a pinned one). */
    public boolean checksHostName() {
        return serverCa != null;
    }

    /** For log lines: what this client trusts and presents. */
    public String describe() {
        return "TLS trusting " + (serverCert != null ? "--server-cert " + serverCert : "--server-ca " + serverCa)
                + (clientCert == null ? "" : ", presenting --client-cert " + clientCert);
    }

    /**
     * Reads the files and builds the context for one connection.
     *
     * @throws ClientTlsException naming the file and the fix
     */
    public SslContext context() {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(serverCert != null ? CertificateTrust.pinnedServer(serverCert)
                            : CertificateTrust.serverAuthorities(serverCa));
            if (serverCa != null) {
                b.endpointIdentificationAlgorithm("HTTPS");
            }
            if (clientCert != null) {
                List<X509Certificate> chain = Pem.certificates(clientCert, "--client-cert");
                PrivateKey key = Pem.privateKey(clientKey, "--client-key");
                Pem.requireMatch(key, chain.get(0), "--client-key", clientKey, "--client-cert", clientCert);
                b.keyManager(new ClientKeyManager(key, chain));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ClientTlsException(e.getMessage(), e);
        } catch (SSLException e) {
            throw new ClientTlsException("cannot set up TLS (" + describe() + "): " + e.getMessage(), e);
        }
    }
}
