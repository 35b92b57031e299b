package teefs.broadcast.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What {@code teefs keygen} makes for home use: a self-signed server certificate and key (PEM, the key PKCS#8, as
 * Netty's SslContextBuilder reads them) and a random token. The pair is made by the JDK's own {@code keytool} (no
 * extra dependency), then converted to PEM here. Key and token files are created mode 0600.
 */
public final class KeyMaterialGenerator {
    public static final String CERT = "server.crt";
    public static final String KEY = "server.key";
    public static final String TOKEN = "token";

    private KeyMaterialGenerator() {
    }

    /**
     * Writes {@value #CERT}, {@value #KEY} and {@value #TOKEN} into {@code dir}; refuses to overwrite.
     *
     * @param names DNS names and IP addresses the certificate is valid for (localhost and 127.0.0.1 are always added)
     */
    public static List<Path> generate(Path dir, List<String> names, int days) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of(CERT, KEY, TOKEN)) {
            if (Files.exists(dir.resolve(f))) {
                throw new IllegalArgumentException(dir.resolve(f) + " exists: remove it or choose another --out directory");
            }
        }
        Path store = Files.createTempFile(dir, ".keygen", ".p12");
        Files.delete(store);
        char[] password = randomToken(18).toCharArray();
        try {
            List<String> san = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1"));
            for (String n : names) {
                san.add((n.matches("[0-9.]+") || n.contains(":") ? "ip:" : "dns:") + n);
            }
            String cn = names.isEmpty() ? "localhost" : names.get(0);
            run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                    "-alias", "teefs", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-validity", Integer.toString(days), "-dname", "CN=" + cn + ",O=teefs",
                    "-ext", "SAN=" + String.join(",", san),
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(password), "-keypass", new String(password)));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password);
            }
            PrivateKey key = (PrivateKey) ks.getKey("teefs", password);
            Certificate cert = ks.getCertificate("teefs");
            Path certFile = dir.resolve(CERT);
            Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
            Path keyFile = writePrivate(dir.resolve(KEY), pem("PRIVATE KEY", key.getEncoded()));
            Path tokenFile = writePrivate(dir.resolve(TOKEN), "# teefs broadcast token: one per line\n" + randomToken(32) + "\n");
            return List.of(certFile, keyFile, tokenFile);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the generated key pair: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static Path writePrivate(Path file, String content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** A random token of {@code bytes} bytes, URL-safe base64. */
    public static String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
