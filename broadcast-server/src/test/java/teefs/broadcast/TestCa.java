package teefs.broadcast;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: a certificate authority made with the JDK's keytool, issuing client certificates (EC P-256, extended
 * key usage clientAuth) with any subject, such as a real CA might: a wildcard, no CN, several CNs.
 */
final class TestCa {
    private static final String PASSWORD = "test-password";
    private final Path dir;
    private final Path store;
    /** The CA's certificate (PEM): what goes into the server's --client-ca file. */
    final Path certificate;

    /** A certificate and its PKCS#8 PEM key, as a client passes them (--client-cert, --client-key). */
    record Issued(Path cert, Path key) {
    }

    private TestCa(Path dir) {
        this.dir = dir;
        this.store = dir.resolve("ca.p12");
        this.certificate = dir.resolve("ca.crt");
    }

    static TestCa create(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestCa ca = new TestCa(dir);
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=teefs test CA",
                "-ext", "bc:c", "-validity", "30", "-storetype", "PKCS12", "-keystore", ca.store.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.store.toString(), "-storepass", PASSWORD,
                "-file", ca.certificate.toString());
        return ca;
    }

    /** Issues a client certificate for {@code dname} (keytool syntax, e.g. "CN=*.lan,O=x"), files named by {@code file}. */
    Issued issue(String file, String dname) throws Exception {
        Path leafStore = dir.resolve(file + ".p12");
        Path request = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".crt");
        keytool("-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-validity", "30", "-storetype", "PKCS12", "-keystore", leafStore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-certreq", "-alias", "leaf", "-keystore", leafStore.toString(), "-storepass", PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD, "-rfc",
                "-ext", "EKU=clientAuth", "-validity", "30", "-infile", request.toString(), "-outfile", cert.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(leafStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("leaf", PASSWORD.toCharArray());
        Path keyFile = dir.resolve(file + ".key");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        return new Issued(cert, keyFile);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool " + command + " failed: " + out);
        }
    }
}
