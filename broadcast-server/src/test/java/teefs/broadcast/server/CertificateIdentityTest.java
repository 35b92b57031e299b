package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.net.Pem;

/** What 'teefs keygen --client NAME' makes names exactly NAME under the binding rule (the subject's one CN). */
class CertificateIdentityTest {
    @TempDir
    Path dir;

    @Test
    void keygenClientCertificatesNameTheirClient() throws Exception {
        for (String name : List.of("disk1", "A.b_c-9", "x".repeat(64))) {
            List<Path> files = KeyMaterialGenerator.generateClient(dir, name, 30, dir.resolve("clients.pem"));
            CertificateIdentity id = CertificateIdentity.of(Pem.certificates(files.get(0), "--client-cert").get(0));
            assertThat(id.problem()).isNull();
            assertThat(id.name()).isEqualTo(name);
            assertThat(id.names(name)).isTrue();
            assertThat(id.names(name.toUpperCase())).isEqualTo(name.equals(name.toUpperCase()));
            assertThat(id.names(name + "x")).isFalse();
        }
    }

    @Test
    void aServerCertificateNamesTheServerHostNotAClientUnlessItIsAValidName() throws Exception {
        // keygen's server certificate is CN=localhost: a valid client name, so if it were put in --client-ca it
        // could act as a client named localhost, and only as that one
        List<Path> files = KeyMaterialGenerator.generate(dir.resolve("s"), List.of(), 30);
        CertificateIdentity id = CertificateIdentity.of(Pem.certificates(files.get(0), "--tls-cert").get(0));
        assertThat(id.name()).isEqualTo("localhost");
    }
}
