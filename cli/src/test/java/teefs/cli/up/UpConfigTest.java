package teefs.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teefs.cli.UserError;

class UpConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultLayoutIsTeefsDataWithTwoMirrors() {
        UpConfig c = UpConfig.defaults(dir);
        assertThat(c.journal().store()).isEqualTo(dir.resolve("teefs-data/store"));
        assertThat(c.journal().mount()).isEqualTo(dir.resolve("teefs-data/mount"));
        assertThat(c.journal().queue()).isEqualTo(dir.resolve("teefs-data/queue"));
        assertThat(c.broadcast().listen()).containsExactly("unix:" + dir.resolve("teefs-data/teefs.sock"));
        assertThat(c.mirrors()).extracting(UpConfig.Mirror::name).containsExactly("disk1", "disk2");
        assertThat(c.mirror("disk2").target()).isEqualTo(dir.resolve("teefs-data/mirrors/disk2"));
        assertThat(c.mirror("disk1").args(false)).containsSubsequence("mirror", "--connect",
                "unix:" + dir.resolve("teefs-data/teefs.sock"), "--target", "--name", "disk1");
        assertThat(c.mirror("disk1").args(true)).containsSubsequence("--bootstrap", "--source",
                dir.resolve("teefs-data/store").toString());
    }

    @Test
    void theDocumentedExampleIsValidAndCoversEveryFlag() throws Exception {
        Path example = Path.of("..", "docs", "teefs.example.toml");
        UpConfig c = UpConfig.load(example);
        assertThat(c.journal().args()).containsSubsequence("--sync", "batch", "--batch-ms", "100", "--reserve", "64M",
                "--threads", "multi");
        assertThat(c.broadcast().args(c.journal().queue())).contains("--listen", "tcp://127.0.0.1:7070", "--metrics",
                "--heartbeat", "--idle-timeout", "--hello-timeout", "--retain-min-size");
        assertThat(c.mirrors()).hasSize(2);
        assertThat(c.mirror("disk1").args(false)).contains("--sync", "--batch-ms", "--needs-mount");
        assertThat(c.mirror("disk2").args(false)).doesNotContain("--needs-mount");
        assertThat(c.supervise().restart().stormLimit()).isEqualTo(5);
        // every key the example mentions, even commented out, is one the parser knows
        String text = Files.readString(example);
        for (String line : text.split("\n")) {
            String l = line.replaceFirst("^#\\s*", "");
            if (l.matches("[a-z_]+\\s*=.*")) {
                String key = l.substring(0, l.indexOf('=')).trim();
                Path one = dir.resolve("k.toml");
                String table = tableOf(text, line);
                Files.writeString(one, (table == null ? "" : table + "\n") + key + " = " + sample(key) + "\n"
                        + (table != null && table.equals("[[mirror]]") && !key.equals("name") ? "name = \"m\"\n" : "")
                        + (table != null && table.equals("[[mirror]]") && !key.equals("target") ? "target = \"t\"\n" : ""));
                if (key.startsWith("tls_") || key.startsWith("client_")) {
                    continue; // needs its pair (or TLS): checked in tlsKeysComeInPairsAndBecomeFlags
                }
                UpConfig.load(one);
            }
        }
    }

    @Test
    void aMirrorThatNeedsItsDriveMountedGetsNoTargetCreatedForIt() throws Exception {
        Path config = dir.resolve("needs.toml");
        Files.writeString(config, """
                data = "%s"
                [[mirror]]
                name = "usb"
                target = "%s"
                needs_mount = true
                [[mirror]]
                name = "local"
                target = "%s"
                """.formatted(dir.resolve("data"), dir.resolve("unmounted/teefs"), dir.resolve("local")));
        UpConfig c = UpConfig.load(config);
        c.createDirectories();
        assertThat(dir.resolve("unmounted")).as("nothing made where the drive is not mounted").doesNotExist();
        assertThat(dir.resolve("local")).isDirectory();
        assertThat(c.mirror("usb").args(true)).contains("--needs-mount", "--bootstrap");
    }

    private static String tableOf(String text, String line) {
        String table = null;
        for (String l : text.split("\n")) {
            if (l.startsWith("[")) {
                table = l.replaceAll("\\s*#.*", "");
            }
            if (l.equals(line)) {
                return table;
            }
        }
        return table;
    }

    private static String sample(String key) {
        return switch (key) {
            case "batch_ms", "storm_limit" -> "7";
            case "fuse_debug", "enabled", "needs_mount" -> "true";
            case "listen", "extra_args" -> "[\"unix:x.sock\"]";
            case "sync" -> "\"always\"";
            case "threads" -> "\"multi\"";
            case "reserve", "retain_min_size", "retain_max_size" -> "\"2G\"";
            case "metrics", "connect" -> "\"tcp://127.0.0.1:9\"";
            case "backoff_initial" -> "\"100ms\"";
            case "heartbeat", "idle_timeout", "hello_timeout", "retain_max_age", "backoff_max",
                    "storm_window", "stable_after", "stop_timeout", "start_timeout", "status_interval" -> "\"40s\"";
            default -> "\"x\"";
        };
    }

    @Test
    void everyMistakeIsReportedWithItsKeyLineAndFix() throws Exception {
        Path f = dir.resolve("bad.toml");
        Files.writeString(f, """
                [journal]
                stor = "x"
                sync = "sometimes"
                batch_ms = "100"
                [broadcast]
                listen = ["udp://1.2.3.4"]
                heartbeat = "soon"
                [supervise]
                storm_limit = 0
                [[mirror]]
                name = "disk 1"
                [[mirror]]
                name = "b"
                target = "teefs-data/store/inside"
                """);
        assertThatThrownBy(() -> UpConfig.load(f)).isInstanceOf(UserError.class)
                .hasMessageContaining("9 problems")
                .hasMessageContaining("journal.stor (line 2): unknown key; did you mean 'store'?")
                .hasMessageContaining("journal.sync (line 3): is 'sometimes'; write one of none, batch, always")
                .hasMessageContaining("journal.batch_ms (line 4): must be a whole number")
                .hasMessageContaining("broadcast.listen (line 6)")
                .hasMessageContaining("broadcast.heartbeat (line 7): is 'soon'; write a duration like")
                .hasMessageContaining("supervise.storm_limit (line 9)")
                .hasMessageContaining("mirror[0].name (line 11): is 'disk 1'")
                .hasMessageContaining("mirror[0].target: is missing")
                .hasMessageContaining("mirror[1].target (line 14)").hasMessageContaining("overlaps");
    }

    @Test
    void tlsKeysComeInPairsAndBecomeFlags() throws Exception {
        Path f = dir.resolve("tls.toml");
        Files.writeString(f, """
                [broadcast]
                listen = ["tcp://0.0.0.0:7070"]
                tls_cert = "k/server.crt"
                tls_key = "k/server.key"
                client_ca = "k/clients.pem"
                token_file = "k/token"
                [[mirror]]
                name = "remote"
                target = "/mnt/remote"
                connect = "tcp://backup.lan:7070"
                server_cert = "k/server.crt"
                client_cert = "k/remote.crt"
                client_key = "k/remote.key"
                token_file = "k/token"
                """);
        UpConfig c = UpConfig.load(f);
        Files.createDirectories(dir.resolve("k"));
        Files.writeString(dir.resolve("k/token"), "# comment\n\n  s3cret  \n");
        assertThat(c.broadcast().token()).isEqualTo("s3cret"); // what teefs up's status poll presents
        assertThat(c.broadcast().args(c.journal().queue())).containsSubsequence("--tls-cert",
                dir.resolve("k/server.crt").toString(), "--client-ca", dir.resolve("k/clients.pem").toString());
        assertThat(c.mirror("remote").args(false)).containsSubsequence("--token-file", dir.resolve("k/token").toString(),
                "--server-cert", dir.resolve("k/server.crt").toString(), "--client-cert",
                dir.resolve("k/remote.crt").toString(), "--client-key", dir.resolve("k/remote.key").toString());

        Files.writeString(f, """
                [broadcast]
                client_ca = "k/clients.pem"
                [[mirror]]
                name = "a"
                target = "/mnt/a"
                server_cert = "s.crt"
                server_ca = "ca.crt"
                client_cert = "a.crt"
                [[mirror]]
                name = "b"
                target = "/mnt/b"
                client_cert = "b.crt"
                client_key = "b.key"
                """);
        assertThatThrownBy(() -> UpConfig.load(f)).isInstanceOf(UserError.class)
                .hasMessageContaining("4 problems")
                .hasMessageContaining("broadcast.client_ca (line 2): needs tls_cert and tls_key")
                .hasMessageContaining("mirror[0].server_ca (line 7): give either server_cert")
                .hasMessageContaining("mirror[0].client_cert (line 8): client_cert and client_key go together")
                .hasMessageContaining("mirror[1].client_cert (line 12): needs server_cert or server_ca");
    }

    @Test
    void syntaxErrorsNameTheLine() throws Exception {
        Path f = dir.resolve("syntax.toml");
        Files.writeString(f, "[journal]\nstore = /srv/x\n");
        assertThatThrownBy(() -> UpConfig.load(f)).isInstanceOf(UserError.class)
                .hasMessageContaining("not valid TOML").hasMessageContaining("line 2");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFileAndMirrorsAreExactlyThoseListed() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("etc"));
        Path f = sub.resolve("t.toml");
        Files.writeString(f, """
                data = "d"
                [supervise]
                backoff_initial = "100ms"
                [[mirror]]
                name = "only"
                target = "/mnt/only"
                """);
        UpConfig c = UpConfig.load(f);
        assertThat(c.journal().store()).isEqualTo(sub.resolve("d/store").toAbsolutePath());
        assertThat(c.mirrors()).extracting(UpConfig.Mirror::name).containsExactly("only");
        assertThat(c.supervise().restart().backoffInitial()).isEqualTo(Duration.ofMillis(100));
        Files.writeString(f, "data = \"d\"\n");
        assertThat(UpConfig.load(f).mirrors()).isEmpty();
    }
}
