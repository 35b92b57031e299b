package teefs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Option;

import teefs.broadcast.client.ClientTls;

/**
 * The flags every client of a broadcast server shares ({@code teefs mirror}, {@code status}, {@code forget}): the
 * token, and TLS for a tcp:// server: whom to trust ({@code --server-cert} or {@code --server-ca}) and what to
 * present ({@code --client-cert}, {@code --client-key}). A picocli mixin; TOML keys of the same names (with '_')
 * map onto these flags.
 */
final class ClientCredentials {
    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Present the first token in FILE (one per line, # comments) when the server requires one.")
    Path tokenFile;

    @Option(names = {"--server-cert", "--tls-trust"}, paramLabel = "PEM",
            description = "Connect with TLS, trusting exactly this server certificate: a copy of the server.crt "
                + "'teefs keygen' made on the server (the file may hold several, e.g. old and new during a renewal).")
    Path serverCert;

    @Option(names = "--server-ca", paramLabel = "PEM",
            description = "Connect with TLS, trusting any server certificate this CA issued for the host in the "
                + "address (instead of --server-cert).")
    Path serverCa;

    @Option(names = "--client-cert", paramLabel = "PEM",
            description = "Present this client certificate (when the server has --client-ca); "
                + "'teefs keygen --client NAME' makes one.")
    Path clientCert;

    @Option(names = "--client-key", paramLabel = "PEM", description = "The private key of --client-cert (PKCS#8 PEM).")
    Path clientKey;

    /** The TLS settings, or null for none; a {@link UserError} naming the flag when they do not fit together. */
    ClientTls tls() {
        try {
            return ClientTls.of(serverCert, serverCa, clientCert, clientKey);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The first token of --token-file, or "" without one. */
    String token() {
        if (tokenFile == null) {
            return "";
        }
        try {
            return Files.readAllLines(tokenFile).stream().map(String::strip).filter(l -> !l.isEmpty()
                    && !l.startsWith("#")).findFirst().orElseThrow(() -> new UserError("--token-file " + tokenFile
                    + " holds no token: put the server's token on a line of its own ('teefs keygen' wrote one)"));
        } catch (IOException e) {
            throw new UserError("cannot read --token-file " + tokenFile + ": " + e.getMessage());
        }
    }
}
