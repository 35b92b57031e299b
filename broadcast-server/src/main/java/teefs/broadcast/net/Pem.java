package teefs.broadcast.net;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files TLS is configured with: certificates (any number of {@code BEGIN CERTIFICATE} blocks; text
 * between blocks, such as the {@code #} comments {@code teefs keygen} writes, is ignored) and PKCS#8 private keys.
 * Every error names the option and the file, and says what a good file looks like.
 */
public final class Pem {
    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");
    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private Pem() {
    }

    /** Every certificate in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file, String option) {
        String text = read(file, option);
        List<X509Certificate> result = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = CERTIFICATE.matcher(text);
            while (m.find()) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                result.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + " holds a certificate that cannot be read: "
                    + e.getMessage() + " (PEM: -----BEGIN CERTIFICATE----- blocks, as 'teefs keygen' writes them)", e);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException(option + " " + file + " holds no certificate: it needs at least one "
                    + "-----BEGIN CERTIFICATE----- block (PEM), as 'teefs keygen' writes them");
        }
        return List.copyOf(result);
    }

    /** The PKCS#8 private key in {@code file} (EC or RSA). */
    public static PrivateKey privateKey(Path file, String option) {
        String text = read(file, option);
        Matcher m = PRIVATE_KEY.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException(option + " " + file + " holds no PKCS#8 private key (-----BEGIN PRIVATE "
                    + "KEY-----), as 'teefs keygen' writes them; convert another format with: openssl pkcs8 -topk8 "
                    + "-nocrypt -in OLD -out " + file);
        }
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + " is not valid base64 PEM: " + e.getMessage(), e);
        }
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new IllegalArgumentException(option + " " + file + " holds a private key that is neither EC, RSA nor "
                + "Ed25519 (or is encrypted): teefs reads unencrypted PKCS#8 keys, as 'teefs keygen' writes them");
    }

    /** Checks that {@code key} belongs to {@code certificate} (a signature by one verifies with the other). */
    public static void requireMatch(PrivateKey key, X509Certificate certificate, String keyOption, Path keyFile,
                                    String certOption, Path certFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = "teefs key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: no match
        }
        throw new IllegalArgumentException(keyOption + " " + keyFile + " is not the private key of " + certOption + " "
                + certFile + " (" + describe(certificate) + "): give the key that was made with that certificate");
    }

    /** One line that identifies a certificate: subject, SHA-256 fingerprint, validity end. */
    public static String describe(X509Certificate c) {
        return c.getSubjectX500Principal().getName() + ", SHA-256 " + fingerprint(c) + ", valid until "
                + DAY.format(c.getNotAfter().toInstant());
    }

    /** The SHA-256 fingerprint as {@code openssl x509 -fingerprint -sha256} prints it (upper-case hex, colons). */
    public static String fingerprint(X509Certificate c) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
    }

    /** The day a certificate expires, yyyy-MM-dd (UTC). */
    public static String day(java.util.Date date) {
        return DAY.format(date.toInstant());
    }

    private static String read(Path file, String option) {
        try {
            // ISO-8859-1 maps every byte: a binary (DER) file then simply holds no PEM block
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e
                    + " (does it exist, and may this user read it?)", e);
        }
    }
}
