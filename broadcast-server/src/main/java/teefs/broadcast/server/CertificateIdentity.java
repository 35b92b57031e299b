package teefs.broadcast.server;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.naming.InvalidNameException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

import teefs.broadcast.net.Pem;

/**
 * Which client a verified client certificate identifies. <b>The rule: a certificate names the client whose name is
 * its subject's common name (CN), exactly (case-sensitive); nothing else in it counts</b> (subject alternative
 * names are ignored). The CN must be the only one in the subject and a valid client name (1-64 of
 * {@code A-Z a-z 0-9 . _ -}, not starting with '.'), so a wildcard ({@code CN=*.lan}), a subject without a CN or
 * with several, or a CN like an e-mail address names no client and is refused with {@link #problem()}.
 *
 * <p>Why the CN alone: {@code teefs keygen --client NAME} writes {@code CN=NAME} and every CA tool can set a CN,
 * while a client name is a file name on the server ({@code clients/NAME.pos}), not a DNS name or a URI; one place,
 * compared exactly, leaves nothing to interpret (no case folding that would let {@code Disk1} claim {@code disk1}'s
 * peer, no wildcard matching that would let one certificate claim many names).
 *
 * <p>Immutable.
 */
final class CertificateIdentity {
    private final X509Certificate certificate;
    private final String name;
    private final String problem;

    private CertificateIdentity(X509Certificate certificate, String name, String problem) {
        this.certificate = certificate;
        this.name = name;
        this.problem = problem;
    }

    /**
     * The identity of the certificate a TLS peer presented and the handshake verified, or null when the connection
     * carries none (no TLS, or a server that does not ask for client certificates).
     */
    static CertificateIdentity ofPeer(SSLSession session) {
        if (session == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? of(leaf) : null;
    }

    static CertificateIdentity of(X509Certificate certificate) {
        List<String> cns = new ArrayList<>();
        boolean unreadable = false;
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
                NamingEnumeration<? extends Attribute> attributes = rdn.toAttributes().getAll();
                while (attributes.hasMore()) {
                    Attribute a = attributes.next();
                    if (a.getID().equalsIgnoreCase("CN") || a.getID().equals("2.5.4.3")) {
                        NamingEnumeration<?> values = a.getAll();
                        while (values.hasMore()) {
                            Object v = values.next();
                            if (v instanceof String s) {
                                cns.add(s);
                            } else {
                                unreadable = true; // not a string type: RFC 2253 gave it as #hex
                            }
                        }
                    }
                }
            }
        } catch (InvalidNameException e) {
            return new CertificateIdentity(certificate, null, "its subject cannot be parsed (" + e.getMessage() + ")");
        } catch (NamingException e) {
            return new CertificateIdentity(certificate, null, "its subject cannot be read (" + e.getMessage() + ")");
        }
        if (unreadable) {
            return new CertificateIdentity(certificate, null, "its subject's CN is not a text string");
        }
        if (cns.isEmpty()) {
            return new CertificateIdentity(certificate, null, "its subject has no CN, so it names no client");
        }
        if (cns.size() > 1) {
            return new CertificateIdentity(certificate, null, "its subject has " + cns.size() + " CNs " + cns
                    + ": a certificate must name exactly one client");
        }
        String cn = cns.get(0);
        if (cn.contains("*")) {
            return new CertificateIdentity(certificate, null, "its CN '" + cn + "' is a wildcard: a certificate "
                    + "must name exactly one client, never a pattern");
        }
        if (!PositionStore.validName(cn)) {
            return new CertificateIdentity(certificate, null, "its CN '" + cn + "' is not a valid client name "
                    + "(1-64 characters of A-Z a-z 0-9 . _ -, not starting with '.')");
        }
        return new CertificateIdentity(certificate, cn, null);
    }

    /** The client name the certificate carries, or null when it names none ({@link #problem()} says why). */
    String name() {
        return name;
    }

    /** Why the certificate names no client, or null when it names one. */
    String problem() {
        return problem;
    }

    /** Subject, SHA-256 fingerprint and expiry, for messages and the log. */
    String describe() {
        return Pem.describe(certificate);
    }

    /** Whether this certificate may act as client {@code clientName}. */
    boolean names(String clientName) {
        return name != null && name.equals(clientName);
    }
}
