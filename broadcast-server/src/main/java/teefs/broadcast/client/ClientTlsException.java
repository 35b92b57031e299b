package teefs.broadcast.client;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import teefs.broadcast.net.UntrustedCertificateException;

/**
 * TLS cannot work as configured: this client does not trust the server's certificate, the server refused this
 * client's certificate (or wanted one), or a PEM file cannot be used. Reconnecting does not help: a mirror stops
 * with a configuration error. The message names the address, the flag or file, and the fix.
 */
public final class ClientTlsException extends BroadcastClientException {
    private static final long serialVersionUID = 1L;
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");

    public ClientTlsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The TLS problem in {@code cause}'s chain, explained for {@code options}, or null when it is not one. */
    static ClientTlsException classify(Throwable cause, ClientOptions options) {
        String address = String.valueOf(options.address());
        UntrustedCertificateException untrusted = UntrustedCertificateException.find(cause);
        if (untrusted != null) {
            return new ClientTlsException("TLS with " + address + " refused: " + untrusted.getMessage(), cause);
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (!(t instanceof SSLException) || t.getMessage() == null) {
                continue;
            }
            Matcher m = ALERT.matcher(t.getMessage());
            if (!m.find()) {
                continue;
            }
            String alert = m.group(1);
            switch (alert) {
                case "certificate_required", "bad_certificate", "certificate_unknown", "unknown_ca",
                        "certificate_expired", "certificate_revoked", "unsupported_certificate", "access_denied" -> {
                    ClientTls tls = options.tls();
                    if (tls == null || tls.clientCert() == null) {
                        return new ClientTlsException(address + " requires a client certificate (TLS alert " + alert
                                + "): add --client-cert FILE --client-key FILE, a pair the server's --client-ca "
                                + "trusts (make one with 'teefs keygen --client NAME' and add its certificate to the "
                                + "server's --client-ca file, then SIGHUP the server)", cause);
                    }
                    return new ClientTlsException(address + " refused this client's certificate --client-cert "
                            + tls.clientCert() + " (TLS alert " + alert + "): add it to the server's --client-ca file "
                            + "(or issue it with a CA listed there), then SIGHUP the server; the server's log says "
                            + "why it refused", cause);
                }
                default -> {
                    return null;
                }
            }
        }
        return null;
    }
}
