package teefs.broadcast.server;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.NotSslRecordException;

import teefs.broadcast.net.UntrustedCertificateException;

/**
 * Why a TLS handshake with a client failed, as one log line that says what the client (or this server's
 * configuration) must change. The client sees the matching TLS alert and explains its side
 * ({@code ClientTlsException}).
 */
final class TlsRefusal {
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");

    private TlsRefusal() {
    }

    static String describe(Throwable cause, TlsMaterial tls) {
        UntrustedCertificateException untrusted = UntrustedCertificateException.find(cause);
        if (untrusted != null) {
            return untrusted.getMessage();
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return "the client does not speak TLS, and this listener requires it: give the client --server-cert "
                        + "FILE (a copy of this server's certificate) or --server-ca FILE";
            }
            if (!(t instanceof SSLException) || t.getMessage() == null) {
                continue;
            }
            String m = t.getMessage();
            if (m.contains("Empty client certificate chain") || m.contains("certificate_required")) {
                return "the client presented no certificate, and this server requires one trusted by --client-ca "
                        + tls.clientCa() + ": give the client --client-cert FILE --client-key FILE ('teefs keygen "
                        + "--client NAME' makes a pair) and add its certificate to " + tls.clientCa()
                        + ", then SIGHUP this server";
            }
            Matcher alert = ALERT.matcher(m);
            if (alert.find()) {
                return "the client ended the handshake with TLS alert " + alert.group(1) + ": it most likely does not "
                        + "trust this server's certificate (its log says why); give it a copy of this server's current "
                        + "certificate as --server-cert, or the CA that issued it as --server-ca";
            }
            if (m.contains("no cipher suites in common") || m.contains("protocol_version")
                    || m.contains("No appropriate protocol")) {
                return "no TLS version or cipher suite in common with the client (" + m + "): update the older side";
            }
        }
        return "TLS handshake failed: " + cause;
    }
}
