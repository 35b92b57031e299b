package teefs.broadcast.net;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which peer certificates one side of a TLS connection accepts, with refusals a person can act on. Two kinds:
 * <ul>
 *   <li><b>pinned</b> ({@code --server-cert}): exactly the certificates in the file, nothing they signed. What a
 *       client uses with the self-signed {@code server.crt} of {@code teefs keygen}; the file may hold the old and
 *       the new certificate while a server's pair is renewed.</li>
 *   <li><b>authorities</b> ({@code --client-ca} on the server, {@code --server-ca} on a client): PKIX, with the
 *       file's certificates as trust anchors. An anchor may be a CA's certificate (anything it issued is trusted) or
 *       a peer's own self-signed certificate (that peer is trusted): so a server's client file can be an allow-list
 *       that {@code teefs keygen --client NAME} appends to, and a client is revoked by deleting its block.</li>
 * </ul>
 * A refusal throws {@link UntrustedCertificateException}; its message names the peer's certificate (subject,
 * SHA-256 fingerprint, expiry), the option and file, and the fix. JSSE reports that message on both sides of the
 * handshake's log.
 *
 * <p>Thread-safe: immutable after construction.
 */
public final class CertificateTrust extends X509ExtendedTrustManager {
    private final Path file;
    private final String option;
    private final List<X509Certificate> certificates;
    /** Null when pinned. */
    private final X509ExtendedTrustManager pkix;
    private final String fix;

    private CertificateTrust(Path file, String option, List<X509Certificate> certificates,
                             X509ExtendedTrustManager pkix, String fix) {
        this.file = file;
        this.option = option;
        this.certificates = certificates;
        this.pkix = pkix;
        this.fix = fix;
    }

    /** A client trusting exactly the server certificate(s) in {@code file} ({@code --server-cert}). */
    public static CertificateTrust pinnedServer(Path file) {
        return new CertificateTrust(file, "--server-cert", Pem.certificates(file, "--server-cert"), null, null);
    }

    /** A client trusting servers whose certificate a CA in {@code file} issued ({@code --server-ca}). */
    public static CertificateTrust serverAuthorities(Path file) {
        return authorities(file, "--server-ca", "give the certificate of the CA that issued the server's certificate "
                + "as --server-ca, or pin the server's own certificate with --server-cert");
    }

    /** A server trusting the client certificates in {@code file}, or those a CA in it issued ({@code --client-ca}). */
    public static CertificateTrust clientAuthorities(Path file) {
        return authorities(file, "--client-ca", "add the client's certificate to " + file + " (on the client, "
                + "'teefs keygen --client NAME' makes one) or issue it with a CA listed there, then send the server "
                + "SIGHUP (or 'systemctl reload teefs-broadcast')");
    }

    private static CertificateTrust authorities(Path file, String option, String fix) {
        List<X509Certificate> anchors = Pem.certificates(file, option);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                store.setCertificateEntry("anchor-" + i, anchors.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return new CertificateTrust(file, option, anchors, x, fix);
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager for PKIX");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot use " + option + " " + file + " as trust anchors: "
                    + e.getMessage(), e);
        }
    }

    /** The file's certificates. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "client", () -> requirePkix().checkClientTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "client", () -> requirePkix().checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "client", () -> requirePkix().checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "server", () -> requirePkix().checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "server", () -> requirePkix().checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "server", () -> requirePkix().checkServerTrusted(chain, authType, engine));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return certificates.toArray(new X509Certificate[0]);
    }

    private X509ExtendedTrustManager requirePkix() {
        return pkix;
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, String peer, Check pkixCheck) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new UntrustedCertificateException("the " + peer + " presented no certificate; " + option + " "
                    + file + " requires one", null);
        }
        X509Certificate leaf = chain[0];
        if (pkix == null) {
            pinned(leaf, peer);
            return;
        }
        try {
            pkixCheck.run();
        } catch (CertificateException e) {
            throw refusal(leaf, peer, e);
        }
    }

    private void pinned(X509Certificate leaf, String peer) throws CertificateException {
        for (X509Certificate c : certificates) {
            if (c.equals(leaf)) {
                try {
                    leaf.checkValidity();
                } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                    throw new UntrustedCertificateException("the " + peer + "'s certificate (" + Pem.describe(leaf)
                            + ") is pinned by " + option + " " + file + " but " + (e instanceof CertificateExpiredException
                            ? "expired on " + Pem.day(leaf.getNotAfter()) + ": make a new pair on the server ('teefs "
                            + "keygen'), restart or SIGHUP it, and copy its new server.crt here"
                            : "is not valid before " + Pem.day(leaf.getNotBefore()) + ": check both machines' clocks"),
                            e);
                }
                return;
            }
        }
        throw new UntrustedCertificateException("the " + peer + "'s certificate (" + Pem.describe(leaf)
                + ") is not the one pinned by " + option + " " + file + " (" + describeAll() + "): if the server's "
                + "key pair was renewed, copy its new server.crt to " + file + " (the file may hold the old and the "
                + "new certificate during the change-over); if " + file + " is a CA's certificate, pass it as "
                + "--server-ca instead", null);
    }

    private UntrustedCertificateException refusal(X509Certificate leaf, String peer, CertificateException e) {
        String message = messages(e);
        String why;
        if (has(e, CertificateExpiredException.class)) {
            why = "or a certificate above it in the chain has expired (it is valid until " + Pem.day(leaf.getNotAfter())
                    + "): make a new one. ";
        } else if (has(e, CertificateNotYetValidException.class)) {
            why = "is not valid yet (from " + Pem.day(leaf.getNotBefore()) + "): check both machines' clocks. ";
        } else if (message.contains("No subject alternative") || message.contains("No name matching")) {
            return new UntrustedCertificateException("the " + peer + "'s certificate (" + Pem.describe(leaf)
                    + ") is not valid for the address connected to (" + e.getMessage() + "; it names "
                    + names(leaf) + "): connect with one of those names, or make the server's certificate with "
                    + "'teefs keygen --name HOST' for every name or address clients use", e);
        } else if (message.contains("certification path") || message.contains("path building")
                || message.contains("path validation")) {
            why = "is not trusted by " + option + " " + file + ": neither it nor a certificate that issued it is "
                    + "in that file (" + describeAll() + "). ";
        } else if (message.contains("xtended key usage") || message.contains("KeyUsage")) {
            why = "may not be used for this (" + e.getMessage() + "): a client needs a client certificate "
                    + "('teefs keygen --client NAME'), a server a server certificate ('teefs keygen'). ";
        } else {
            why = "is refused by " + option + " " + file + ": " + e.getMessage() + ". ";
        }
        return new UntrustedCertificateException("the " + peer + "'s certificate (" + Pem.describe(leaf) + ") "
                + why + "Fix: " + fix, e);
    }

    private String describeAll() {
        return certificates.size() == 1 ? "it holds " + certificates.get(0).getSubjectX500Principal().getName()
                : "it holds " + certificates.size() + " certificates";
    }

    private static String names(X509Certificate c) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alt = c.getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    names.add(String.valueOf(entry.get(1)));
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the subject
        }
        return names.isEmpty() ? c.getSubjectX500Principal().getName() : String.join(", ", names);
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" / ");
        }
        return b.toString();
    }
}
