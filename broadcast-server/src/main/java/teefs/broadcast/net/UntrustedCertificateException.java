package teefs.broadcast.net;

import java.security.cert.CertificateException;

/**
 * A peer's certificate that {@link CertificateTrust} refused; the message names the certificate, the option and
 * file that decided, and the fix. JSSE wraps it in the handshake's {@code SSLHandshakeException}, so either side can
 * find it in the cause chain and show its message instead of the handshake's.
 */
public final class UntrustedCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;

    public UntrustedCertificateException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The refusal in {@code t}'s cause chain, or null. */
    public static UntrustedCertificateException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UntrustedCertificateException u) {
                return u;
            }
        }
        return null;
    }
}
