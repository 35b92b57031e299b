package teefs.cli.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import teefs.broadcast.net.ListenAddress;
import teefs.cli.UserError;

/**
 * What {@code teefs up} runs: the journal, the broadcaster and the mirrors, read from a TOML file (TOML because it
 * has no indentation or implicit-typing traps, and tomlj reports the line of every mistake) or the default layout
 * under ./teefs-data. Validated once, in {@link #load}: every error names the key, its line and the fix, and all
 * errors are reported together. Relative paths are resolved against the config file's directory (the current
 * directory without a file). docs/teefs.example.toml documents every key.
 */
public record UpConfig(Path source, Path data, Path logs, Path control, Journal journal, Broadcast broadcast,
        List<Mirror> mirrors, Supervise supervise) {

    /** The [journal] table: every flag of {@code teefs journal}. */
    public record Journal(Path store, Path mount, Path queue, String sync, long batchMs, String reserve,
            String threads, String fuseOptions, boolean fuseDebug, List<String> extraArgs) {
        public List<String> args() {
            List<String> a = new ArrayList<>(List.of("journal", "--store", store.toString(), "--mount",
                    mount.toString(), "--queue", queue.toString(), "--sync", sync, "--batch-ms",
                    Long.toString(batchMs), "--reserve", reserve, "--threads", threads));
            if (!fuseOptions.isEmpty()) {
                a.add("--fuse-options");
                a.add(fuseOptions);
            }
            if (fuseDebug) {
                a.add("--fuse-debug");
            }
            a.addAll(extraArgs);
            return a;
        }
    }

    /** The [broadcast] table: every flag of {@code teefs broadcast}. */
    public record Broadcast(boolean enabled, List<String> listen, String metrics, Path tokenFile, Path tlsCert,
            Path tlsKey, Path clientCa, String heartbeat, String idleTimeout, String helloTimeout, String retainMinSize,
            String retainMaxSize, String retainMaxAge, List<String> extraArgs) {
        public List<String> args(Path queue) {
            List<String> a = new ArrayList<>(List.of("broadcast", "--queue", queue.toString()));
            for (String l : listen) {
                a.add("--listen");
                a.add(l);
            }
            opt(a, "--metrics", metrics);
            opt(a, "--token-file", tokenFile);
            opt(a, "--tls-cert", tlsCert);
            opt(a, "--tls-key", tlsKey);
            opt(a, "--client-ca", clientCa);
            opt(a, "--heartbeat", heartbeat);
            opt(a, "--idle-timeout", idleTimeout);
            opt(a, "--hello-timeout", helloTimeout);
            opt(a, "--retain-min-size", retainMinSize);
            opt(a, "--retain-max-size", retainMaxSize);
            opt(a, "--retain-max-age", retainMaxAge);
            a.addAll(extraArgs);
            return a;
        }

        /**
         * The first token of token_file, "" without one: what the supervisor presents when it asks for status.
         *
         * @throws UserError when the file cannot be read or holds no token
         */
        public String token() {
            if (tokenFile == null) {
                return "";
            }
            try {
                return Files.readAllLines(tokenFile).stream().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
                        .orElseThrow(() -> new UserError("broadcast.token_file " + tokenFile + " holds no token"));
            } catch (IOException e) {
                throw new UserError("cannot read broadcast.token_file " + tokenFile + ": " + e.getMessage());
            }
        }

        /** Where the supervisor asks for status: the first Unix socket listener (else the first listener). */
        public ListenAddress statusAddress() {
            for (String l : listen) {
                ListenAddress a = ListenAddress.parse(l);
                if (a.isUnix()) {
                    return a;
                }
            }
            return ListenAddress.parse(listen.get(0));
        }
    }

    /** One [[mirror]] table: every flag of {@code teefs mirror}. */
    public record Mirror(String name, boolean enabled, Path target, String connect, Path state, String sync,
            Long batchMs, Path tokenFile, Path serverCert, Path serverCa, Path clientCert, Path clientKey,
            String bootstrapSource, boolean needsMount, List<String> extraArgs) {
        public List<String> args(boolean bootstrap) {
            List<String> a = new ArrayList<>(List.of("mirror", "--connect", connect, "--target", target.toString(),
                    "--name", name));
            opt(a, "--state", state);
            opt(a, "--sync", sync);
            opt(a, "--batch-ms", batchMs);
            opt(a, "--token-file", tokenFile);
            opt(a, "--server-cert", serverCert);
            opt(a, "--server-ca", serverCa);
            opt(a, "--client-cert", clientCert);
            opt(a, "--client-key", clientKey);
            if (needsMount) {
                a.add("--needs-mount");
            }
            if (bootstrap) {
                a.add("--bootstrap");
                a.add("--source");
                a.add(bootstrapSource);
            }
            a.addAll(extraArgs);
            return a;
        }
    }

    /** The [supervise] table: restart policy and screen. */
    public record Supervise(RestartPolicy.Settings restart, Duration stopTimeout, Duration startTimeout,
            Duration statusInterval) {
    }

    private static void opt(List<String> a, String flag, Object value) {
        if (value != null) {
            a.add(flag);
            a.add(value.toString());
        }
    }

    /** The layout a fresh clone gets: ./teefs-data/{store,mount,queue,mirrors/disk1,mirrors/disk2}. */
    public static UpConfig defaults(Path cwd) {
        return parse(Toml.parse(""), null, cwd);
    }

    /** Reads and validates FILE; throws a {@link UserError} listing every problem, each with its fix. */
    public static UpConfig load(Path file) {
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw new UserError("cannot read config " + file + ": " + e.getMessage()
                    + " (write one like docs/teefs.example.toml, or run without --config for the default layout)");
        }
        if (toml.hasErrors()) {
            StringBuilder b = new StringBuilder("config " + file + " is not valid TOML:");
            for (TomlParseError e : toml.errors()) {
                b.append("\n  line ").append(e.position().line()).append(", column ").append(e.position().column())
                        .append(": ").append(e.getMessage());
            }
            b.append("\n  (TOML: key = \"text\", key = 123, key = true, [table], [[mirror]]; see docs/teefs.example.toml)");
            throw new UserError(b.toString());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(toml, file, base);
    }

    private static UpConfig parse(TomlTable root, Path file, Path base) {
        List<String> errors = new ArrayList<>();
        TomlSection top = new TomlSection(root, "", base, errors);
        Path data = top.path("data", base.resolve("teefs-data").normalize());
        Path logs = top.path("logs", data.resolve("logs"));
        Path control = top.path("control", data.resolve("teefs-up.sock"));

        TomlSection j = new TomlSection(top.table("journal"), "journal", base, errors);
        Journal journal = new Journal(j.path("store", data.resolve("store")), j.path("mount", data.resolve("mount")),
                j.path("queue", data.resolve("queue")), j.choice("sync", "batch", "none", "batch", "always"),
                j.integer("batch_ms", 100, 1, 3_600_000, " (milliseconds)"), j.size("reserve", "64M"),
                j.choice("threads", "multi", "single", "multi"), j.string("fuse_options", "", "\"allow_other\""),
                j.bool("fuse_debug", false), j.strings("extra_args", List.of()));
        j.finish();

        TomlSection b = new TomlSection(top.table("broadcast"), "broadcast", base, errors);
        String defaultSocket = "unix:" + data.resolve("teefs.sock");
        List<String> listen = b.strings("listen", List.of(defaultSocket));
        if (listen.isEmpty()) {
            b.error("listen", "is empty: give at least one address, e.g. listen = [\"" + defaultSocket + "\"]");
            listen = List.of(defaultSocket);
        }
        List<String> resolvedListen = new ArrayList<>();
        for (String l : listen) {
            try {
                ListenAddress a = ListenAddress.parse(l);
                resolvedListen.add(a.isUnix() ? "unix:" + base.resolve(a.unixPath()).normalize() : l);
            } catch (IllegalArgumentException e) {
                b.error("listen", e.getMessage());
            }
        }
        if (resolvedListen.isEmpty()) {
            resolvedListen.add(defaultSocket);
        }
        String metrics = b.string("metrics", null, "\"tcp://127.0.0.1:9407\"");
        if (metrics != null) {
            try {
                ListenAddress.parse(metrics);
            } catch (IllegalArgumentException e) {
                b.error("metrics", e.getMessage());
            }
        }
        Path tlsCert = b.path("tls_cert", null);
        Path tlsKey = b.path("tls_key", null);
        if ((tlsCert == null) != (tlsKey == null)) {
            b.error(tlsCert == null ? "tls_key" : "tls_cert", "TLS needs both tls_cert and tls_key "
                    + "(make them with: teefs keygen --out DIR)");
        }
        Path clientCa = b.path("client_ca", null);
        if (clientCa != null && tlsCert == null) {
            b.error("client_ca", "needs tls_cert and tls_key: client certificates are checked in the TLS handshake "
                    + "(make the server pair with: teefs keygen --out DIR)");
        }
        Broadcast broadcast = new Broadcast(b.bool("enabled", true), List.copyOf(resolvedListen), metrics,
                b.path("token_file", null), tlsCert, tlsKey, clientCa, b.duration("heartbeat", null),
                b.duration("idle_timeout", null), b.duration("hello_timeout", null), b.size("retain_min_size", null),
                b.size("retain_max_size", null), b.duration("retain_max_age", null), b.strings("extra_args", List.of()));
        b.finish();

        TomlSection s = new TomlSection(top.table("supervise"), "supervise", base, errors);
        RestartPolicy.Settings d = RestartPolicy.Settings.defaults();
        RestartPolicy.Settings restart = new RestartPolicy.Settings(
                s.durationValue("backoff_initial", d.backoffInitial()), s.durationValue("backoff_max", d.backoffMax()),
                (int) s.integer("storm_limit", d.stormLimit(), 1, 1000, " (restarts)"),
                s.durationValue("storm_window", d.stormWindow()), s.durationValue("stable_after", d.stableAfter()));
        if (restart.backoffMax().compareTo(restart.backoffInitial()) < 0) {
            s.error("backoff_max", "is shorter than backoff_initial; make it at least \"" + restart.backoffInitial().toMillis() + "ms\"");
        }
        Supervise supervise = new Supervise(restart, s.durationValue("stop_timeout", Duration.ofSeconds(30)),
                s.durationValue("start_timeout", Duration.ofSeconds(60)),
                s.durationValue("status_interval", Duration.ofMillis(500)));
        s.finish();

        List<Mirror> mirrors = new ArrayList<>();
        String connectDefault = broadcast.statusAddress().isUnix()
                ? "unix:" + broadcast.statusAddress().unixPath() : resolvedListen.get(0);
        if (file == null && !root.contains("mirror")) {
            for (String name : List.of("disk1", "disk2")) {
                mirrors.add(new Mirror(name, true, data.resolve("mirrors").resolve(name), connectDefault, null, null,
                        null, null, null, null, null, null, journal.store().toString(), false, List.of()));
            }
        } else if (top.has("mirror")) {
            if (root.get("mirror") instanceof TomlArray array && allTables(array)) {
                Set<String> names = new HashSet<>();
                Set<Path> targets = new HashSet<>();
                for (int i = 0; i < array.size(); i++) {
                    TomlSection m = new TomlSection(array.getTable(i), "mirror[" + i + "]", base, errors);
                    String name = m.string("name", null, "\"disk1\"");
                    if (name == null) {
                        m.error("name", "is missing: every [[mirror]] needs a name, e.g. name = \"disk" + (i + 1) + "\"");
                        name = "mirror" + i;
                    } else if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
                        m.error("name", "is '" + name + "'; use letters, digits, '.', '_' or '-' (it names a systemd "
                                + "instance and a log file), e.g. name = \"disk1\"");
                    } else if (!names.add(name)) {
                        m.error("name", "'" + name + "' is used by two mirrors; give each its own name");
                    }
                    Path target = m.path("target", null);
                    if (target == null) {
                        m.error("target", "is missing: the drive directory to keep identical, e.g. target = "
                                + "\"/mnt/disk" + (i + 1) + "/teefs\"");
                        target = data.resolve("mirrors").resolve(name);
                    } else if (!targets.add(target)) {
                        m.error("target", target + " is the target of two mirrors; give each its own directory");
                    }
                    for (Path p : List.of(journal.store(), journal.mount(), journal.queue())) {
                        if (target.startsWith(p) || p.startsWith(target)) {
                            m.error("target", target + " overlaps " + p + "; a mirror's target must be its own "
                                    + "directory, outside the store, mount and queue");
                        }
                    }
                    String connect = m.string("connect", connectDefault, "\"unix:/run/teefs/teefs.sock\"");
                    try {
                        ListenAddress a = ListenAddress.parse(connect);
                        if (a.isUnix()) {
                            connect = "unix:" + base.resolve(a.unixPath()).normalize();
                        }
                    } catch (IllegalArgumentException e) {
                        m.error("connect", e.getMessage());
                    }
                    String sync = m.has("sync") ? m.choice("sync", null, "none", "batch", "always") : null;
                    Long batch = m.has("batch_ms") ? m.integer("batch_ms", 100, 1, 3_600_000, " (milliseconds)") : null;
                    String bootstrap = m.string("bootstrap_source", journal.store().toString(),
                            "\"/srv/teefs/store\" or \"rsync://host/module\"");
                    if (!bootstrap.contains("://") && !bootstrap.contains("::")) {
                        bootstrap = base.resolve(bootstrap).normalize().toString();
                    }
                    Path serverCert = m.path("server_cert", null);
                    Path serverCa = m.path("server_ca", null);
                    Path clientCert = m.path("client_cert", null);
                    Path clientKey = m.path("client_key", null);
                    if (serverCert != null && serverCa != null) {
                        m.error("server_ca", "give either server_cert (the server's own certificate, pinned) or "
                                + "server_ca (the CA that issued it), not both");
                    }
                    if ((clientCert == null) != (clientKey == null)) {
                        m.error(clientCert == null ? "client_key" : "client_cert", "client_cert and client_key go "
                                + "together (the pair 'teefs keygen --client " + name + "' writes)");
                    }
                    if (clientCert != null && serverCert == null && serverCa == null) {
                        m.error("client_cert", "needs server_cert or server_ca: a client certificate is presented "
                                + "over TLS, and TLS must know which server to trust");
                    }
                    mirrors.add(new Mirror(name, m.bool("enabled", true), target, connect, m.path("state", null),
                            sync, batch, m.path("token_file", null), serverCert, serverCa, clientCert, clientKey,
                            bootstrap, m.bool("needs_mount", false), m.strings("extra_args", List.of())));
                    m.finish();
                }
            } else {
                top.error("mirror", "must be written as [[mirror]] tables (double brackets), one per drive, "
                        + "each with name and target");
            }
        }
        top.finish();
        if (journal.store().equals(journal.mount()) || journal.store().startsWith(journal.mount())
                || journal.mount().startsWith(journal.store())) {
            errors.add("journal.mount: " + journal.mount() + " and journal.store " + journal.store()
                    + " must be separate directories, neither inside the other");
        }
        if (journal.queue().startsWith(journal.mount()) || journal.queue().startsWith(journal.store())) {
            errors.add("journal.queue: " + journal.queue() + " must be outside the store and the mount "
                    + "(the journal would journal itself)");
        }
        if (!errors.isEmpty()) {
            throw new UserError((file == null ? "the default layout" : "config " + file) + " has "
                    + errors.size() + (errors.size() == 1 ? " problem" : " problems") + ":\n  "
                    + String.join("\n  ", errors));
        }
        return new UpConfig(file, data, logs, control, journal, broadcast, List.copyOf(mirrors), supervise);
    }

    private static boolean allTables(TomlArray array) {
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof TomlTable)) {
                return false;
            }
        }
        return true;
    }

    /** The mirror named NAME, or a user error listing the names there are. */
    public Mirror mirror(String name) {
        for (Mirror m : mirrors) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new UserError("no mirror named '" + name + "'" + (source == null ? "" : " in " + source)
                + "; configured: " + mirrors.stream().map(Mirror::name).toList());
    }

    /** Creates the directories the roles expect (store, mount, queue, targets, logs). */
    public void createDirectories() throws IOException {
        for (Path p : List.of(journal.store(), journal.mount(), journal.queue(), logs)) {
            Files.createDirectories(p);
        }
        for (Mirror m : mirrors) {
            if (!m.needsMount()) {
                // (a mirror that needs its drive mounted creates nothing on a drive that is not: it waits for it)
                Files.createDirectories(m.target());
            }
        }
    }
}
