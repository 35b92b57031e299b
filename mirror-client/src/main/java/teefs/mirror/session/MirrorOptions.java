package teefs.mirror.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTls;
import teefs.broadcast.net.ListenAddress;

/**
 * How a mirror runs: the server, TARGET, its state file, durability, credentials. Setters return this;
 * {@link #conclude()} validates once and fills defaults (name from TARGET, state file beside TARGET).
 */
public final class MirrorOptions {
    public static final Duration DEFAULT_BATCH = Duration.ofMillis(1000);

    private ListenAddress address;
    private Path target;
    private String name;
    private Path stateFile;
    private SyncMode sync = SyncMode.BATCH;
    private Duration batch = DEFAULT_BATCH;
    private String credential = "";
    private ClientTls tls;
    private Duration backoffInitial = Duration.ofMillis(50);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Duration pauseRetryMax = Duration.ofSeconds(2);
    private Duration heartbeat = Duration.ofSeconds(1);
    private Duration idleTimeout = Duration.ofSeconds(10);
    private boolean needsMount;

    public MirrorOptions address(String a) { this.address = ListenAddress.parse(a); return this; }
    public MirrorOptions target(Path t) { this.target = t; return this; }
    public MirrorOptions name(String n) { this.name = n; return this; }
    public MirrorOptions stateFile(Path f) { this.stateFile = f; return this; }
    public MirrorOptions sync(SyncMode s) { this.sync = s; return this; }
    public MirrorOptions batch(Duration d) { this.batch = d; return this; }
    public MirrorOptions credential(String c) { this.credential = c == null ? "" : c; return this; }
    /** TLS for a tcp:// server (null: none, which only a loopback address allows). */
    public MirrorOptions tls(ClientTls settings) { this.tls = settings; return this; }
    public MirrorOptions backoff(Duration initial, Duration max) { backoffInitial = initial; backoffMax = max; return this; }
    public MirrorOptions pauseRetryMax(Duration d) { this.pauseRetryMax = d; return this; }
    public MirrorOptions heartbeat(Duration interval, Duration idle) { heartbeat = interval; idleTimeout = idle; return this; }
    /** TARGET must be on a filesystem mounted at it or above it, other than "/": its own drive. */
    public MirrorOptions needsMount(boolean b) { this.needsMount = b; return this; }

    /**
     * Validates and fills defaults.
     *
     * @throws IllegalArgumentException naming the option and the fix
     */
    public MirrorOptions conclude() {
        if (address == null) {
            throw new IllegalArgumentException("--connect is required: unix:/run/teefs/teefs.sock or tcp://HOST:PORT");
        }
        if (target == null) {
            throw new IllegalArgumentException("--target is required: the directory to keep identical to STORE");
        }
        target = target.toAbsolutePath().normalize();
        if (name == null) {
            name = target.getFileName() == null ? "root" : target.getFileName().toString();
        }
        if (!name.matches("[A-Za-z0-9._-]{1,64}") || name.startsWith(".")) {
            throw new IllegalArgumentException("mirror name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 . _ -"
                    + " not starting with '.': give --name NAME");
        }
        if (stateFile == null) {
            stateFile = StateStore.defaultFile(target);
        }
        stateFile = stateFile.toAbsolutePath().normalize();
        if (stateFile.startsWith(target)) {
            throw new IllegalArgumentException("--state " + stateFile + " is inside --target " + target
                    + ": a mirror must stay identical to STORE; put the state beside it");
        }
        if (batch.isNegative() || batch.isZero()) {
            throw new IllegalArgumentException("--batch-ms must be positive");
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException("--target " + target + " is not a directory");
        }
        ClientOptions.requireSecureTransport(address, tls);
        return this;
    }

    public ListenAddress address() { return address; }
    public Path target() { return target; }
    public String name() { return name; }
    public Path stateFile() { return stateFile; }
    public SyncMode sync() { return sync; }
    public Duration batch() { return batch; }
    public String credential() { return credential; }
    public ClientTls tls() { return tls; }
    public Duration backoffInitial() { return backoffInitial; }
    public Duration backoffMax() { return backoffMax; }
    public Duration pauseRetryMax() { return pauseRetryMax; }
    public Duration heartbeat() { return heartbeat; }
    public Duration idleTimeout() { return idleTimeout; }
    public boolean needsMount() { return needsMount; }
}
