package teefs.broadcast.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import teefs.broadcast.net.Pem;

/**
 * What {@code teefs keygen} makes for home use: a self-signed server certificate and key (PEM, the key PKCS#8, as
 * Netty's SslContextBuilder reads them) and a random token; or ({@link #generateClient}) a self-signed client
 * certificate and key, whose certificate is appended to a trust file the server reads as {@code --client-ca}. Pairs
 * are made by the JDK's own {@code keytool} (no extra dependency), then converted to PEM here. Key and token files
 * are created mode 0600.
 *
 * <p>Why self-signed clients and an allow-list rather than a CA: a home user then has no CA key to guard, the trust
 * file shows exactly who may read the stream (one commented block per client), and a client is revoked by deleting
 * its block and sending the server SIGHUP. A server can still trust a real CA: put its certificate in the file.
 */
public final class KeyMaterialGenerator {
    public static final String CERT = "server.crt";
    public static final String KEY = "server.key";
    public static final String TOKEN = "token";
    /** The default trust file client certificates are appended to: the server's {@code --client-ca}. */
    public static final String CLIENTS = "clients.pem";
    /** The environment variable that hands keytool its temporary keystore's password. */
    private static final String PASSWORD_VARIABLE = "TEEFS_KEYTOOL_PASSWORD";

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
        List<String> san = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1"));
        for (String n : names) {
            san.add((n.matches("[0-9.]+") || n.contains(":") ? "ip:" : "dns:") + n);
        }
        String cn = names.isEmpty() ? "localhost" : names.get(0);
        Pair pair = selfSigned(dir, "CN=" + cn + ",O=teefs", days, "SAN=" + String.join(",", san));
        Path certFile = dir.resolve(CERT);
        Files.writeString(certFile, pair.certPem);
        Path keyFile = writePrivate(dir.resolve(KEY), pair.keyPem);
        Path tokenFile = writePrivate(dir.resolve(TOKEN), "# teefs broadcast token: one per line\n" + randomToken(32) + "\n");
        return List.of(certFile, keyFile, tokenFile);
    }

    /**
     * Writes {@code NAME.crt} and {@code NAME.key} (a self-signed client certificate, CN=NAME, for TLS client
     * authentication only) into {@code dir}, refusing to overwrite, and appends the certificate, under a comment
     * naming the client, to {@code trustFile} (created if missing): the file the server reads as {@code --client-ca}.
     *
     * @return the certificate, the key, and the trust file
     */
    public static List<Path> generateClient(Path dir, String name, int days, Path trustFile) throws IOException {
        if (!PositionStore.validName(name)) {
            throw new IllegalArgumentException("client name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 . _ - "
                    + "(not starting with '.'): use the mirror's --name");
        }
        Files.createDirectories(dir);
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        for (Path f : List.of(certFile, keyFile)) {
            if (Files.exists(f)) {
                throw new IllegalArgumentException(f + " exists: remove it (and its block in " + trustFile
                        + ") or choose another --client name or --out directory");
            }
        }
        Pair pair = selfSigned(dir, "CN=" + name + ",O=teefs client", days, "EKU=clientAuth", "KU=digitalSignature");
        Files.writeString(certFile, pair.certPem);
        writePrivate(keyFile, pair.keyPem);
        if (trustFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(trustFile.toAbsolutePath().getParent());
        }
        String block = "# teefs client " + name + ", made " + java.time.LocalDate.now() + ", SHA-256 "
                + Pem.fingerprint(pair.cert) + "\n# (delete this block and SIGHUP the server to revoke it)\n"
                + pair.certPem;
        Files.writeString(trustFile, block, StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return List.of(certFile, keyFile, trustFile);
    }

    record Pair(X509Certificate cert, String certPem, String keyPem) {
    }

    /** A self-signed EC P-256 pair made by keytool in a temporary keystore inside {@code dir}, deleted after. */
    private static Pair selfSigned(Path dir, String dname, int days, String... extensions) throws IOException {
        return selfSigned(dir, dname, days, randomToken(18).toCharArray(), extensions);
    }

    /**
     * The same with the temporary keystore's password given. keytool gets it through its environment, never as an
     * argument: the launcher takes any argument that starts with {@code -J} as its own JVM option, wherever it stands
     * (a random URL-safe password does, once in 4,096), and arguments are visible to every user in ps.
     */
    static Pair selfSigned(Path dir, String dname, int days, char[] password, String... extensions)
            throws IOException {
        Path store = Files.createTempFile(dir, ".keygen", ".p12");
        Files.delete(store);
        try {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                    "-alias", "teefs", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-validity", Integer.toString(days), "-dname", dname));
            for (String e : extensions) {
                command.add("-ext");
                command.add(e);
            }
            command.addAll(List.of("-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass:env", PASSWORD_VARIABLE, "-keypass:env", PASSWORD_VARIABLE));
            run(command, new String(password));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password);
            }
            PrivateKey key = (PrivateKey) ks.getKey("teefs", password);
            X509Certificate cert = (X509Certificate) ks.getCertificate("teefs");
            return new Pair(cert, pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", key.getEncoded()));
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

    private static void run(List<String> command, String password) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process p = builder.start();
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
