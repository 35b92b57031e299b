package teefs.broadcast.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import teefs.broadcast.net.ListenAddress;

/**
 * Everything the broadcast server is told, validated once by {@link #conclude()} (which also enforces the security
 * rule: any listener that is not a Unix socket or loopback needs TLS and a credential: a token file, client
 * certificates ({@link #clientCa}), or both). Setters return this.
 *
 * <p>Not thread-safe; hand it to {@link BroadcastServer#start} and do not touch it afterwards.
 */
public final class BroadcastConfig {
    public static final Duration HEARTBEAT_INTERVAL_DEFAULT = Duration.ofSeconds(1);
    public static final Duration IDLE_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
    public static final Duration HELLO_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    /** Measured with bench/broadcast: 1 MiB batches cost a TCP client about a quarter less CPU per GB than 256 KiB. */
    public static final int BATCH_BYTES_DEFAULT = 1024 * 1024;
    public static final int HIGH_WATER_MARK_DEFAULT = 2 * 1024 * 1024;
    public static final Duration RETENTION_INTERVAL_DEFAULT = Duration.ofMinutes(1);
    public static final String POSITIONS_DIR = "clients";
    /** Side data at least this long is sent with sendfile(2) (0 = never): every side-file record (queue: 32 KiB). */
    public static final int SENDFILE_MIN_BYTES_DEFAULT = 16 * 1024;
    public static final String SENDFILE_MIN_BYTES_PROP_NAME = "teefs.broadcast.sendfileMinBytes";
    /**
     * Whether TCP connections send side data with sendfile(2) too (Unix sockets do whenever
     * {@link #sendfileMinBytes} allows). Off: copying side data into the batch buffer and sending each batch with one
     * write was faster in every pair of bench/broadcast runs alternating the two (loopback TCP, 512 MiB of 64 KiB
     * records: 1 client 1.20-1.46x, 4 clients 1.13-1.26x, 16 clients 1.34-1.40x), and the client needed 0.16-0.25
     * CPU-s per GB instead of 0.39-0.41 (docs/BENCHMARKS.md, seventh session). The server copies, so its pump
     * thread spends about 0.2 CPU-s per GB more; sendfile stays the choice over Unix sockets (equal there).
     */
    public static final boolean SENDFILE_OVER_TCP_DEFAULT = false;
    public static final String SENDFILE_OVER_TCP_PROP_NAME = "teefs.broadcast.sendfileOverTcp";
    /**
     * SO_SNDBUF of each TCP client connection (the kernel doubles it, after capping it at net.core.wmem_max); 0 leaves
     * it to the kernel's autotuning (up to net.ipv4.tcp_wmem's maximum). Measured with bench/broadcast on a loaded
     * machine (1 and 4 clients, paired passes): 4 MiB cost the server's event loop 7-30% less CPU per GB than
     * autotuning (median 17%) in every comparison, all threads together 3-8% less; throughput within noise. With
     * sendfile the buffer mostly holds references to page-cache pages, not copies.
     */
    public static final int SEND_BUFFER_BYTES_DEFAULT = 4 * 1024 * 1024;
    public static final String SEND_BUFFER_BYTES_PROP_NAME = "teefs.broadcast.sendBuffer";

    private Path queueDir;
    private final List<ListenAddress> listeners = new ArrayList<>();
    private Duration heartbeatInterval = HEARTBEAT_INTERVAL_DEFAULT;
    private Duration idleTimeout = IDLE_TIMEOUT_DEFAULT;
    private Duration helloTimeout = HELLO_TIMEOUT_DEFAULT;
    private int batchBytes = BATCH_BYTES_DEFAULT;
    private int highWaterMark = HIGH_WATER_MARK_DEFAULT;
    private Path tokenFile;
    private Path tlsCert;
    private Path tlsKey;
    private Path clientCa;
    private ListenAddress metrics;
    private RetentionPolicy retention = RetentionPolicy.keepEverything();
    private Duration retentionInterval = RETENTION_INTERVAL_DEFAULT;
    private int ioThreads = 0;
    private int sendfileMinBytes = Integer.getInteger(SENDFILE_MIN_BYTES_PROP_NAME, SENDFILE_MIN_BYTES_DEFAULT);
    private int sendBufferBytes = Integer.getInteger(SEND_BUFFER_BYTES_PROP_NAME, SEND_BUFFER_BYTES_DEFAULT);
    private boolean sendfileOverTcp = Boolean.parseBoolean(
            System.getProperty(SENDFILE_OVER_TCP_PROP_NAME, Boolean.toString(SENDFILE_OVER_TCP_DEFAULT)));
    private boolean concluded;

    public BroadcastConfig queueDir(Path dir) { this.queueDir = dir; return this; }
    public BroadcastConfig listen(ListenAddress address) { listeners.add(address); return this; }
    public BroadcastConfig heartbeatInterval(Duration d) { this.heartbeatInterval = d; return this; }
    public BroadcastConfig idleTimeout(Duration d) { this.idleTimeout = d; return this; }
    public BroadcastConfig helloTimeout(Duration d) { this.helloTimeout = d; return this; }
    public BroadcastConfig batchBytes(int bytes) { this.batchBytes = bytes; return this; }
    public BroadcastConfig highWaterMark(int bytes) { this.highWaterMark = bytes; return this; }
    public BroadcastConfig tokenFile(Path file) { this.tokenFile = file; return this; }
    public BroadcastConfig tls(Path cert, Path key) { this.tlsCert = cert; this.tlsKey = key; return this; }
    /**
     * Require every TLS client to present a certificate that the PEM {@code file} trusts: a CA's certificate (what
     * it issued is trusted) or the clients' own certificates (an allow-list; 'teefs keygen --client NAME' appends
     * to one). With a token file too, a client needs both. Unix sockets never use TLS, so this does not apply there.
     */
    public BroadcastConfig clientCa(Path file) { this.clientCa = file; return this; }
    public BroadcastConfig metrics(ListenAddress address) { this.metrics = address; return this; }
    public BroadcastConfig retention(RetentionPolicy policy) { this.retention = policy; return this; }
    public BroadcastConfig retentionInterval(Duration d) { this.retentionInterval = d; return this; }
    public BroadcastConfig ioThreads(int n) { this.ioThreads = n; return this; }
    /**
     * Records whose data the queue keeps in a side file, at least {@code bytes} of it, are sent with sendfile(2)
     * from the page cache instead of being copied into the batch buffer; 0 turns that off. TLS connections always
     * copy (the data must be encrypted in user space), and plain TCP ones unless {@link #sendfileOverTcp}.
     */
    public BroadcastConfig sendfileMinBytes(int bytes) { this.sendfileMinBytes = bytes; return this; }
    /** Whether TCP connections use sendfile as Unix sockets do ({@link #SENDFILE_OVER_TCP_DEFAULT}: no, they copy). */
    public BroadcastConfig sendfileOverTcp(boolean on) { this.sendfileOverTcp = on; return this; }
    /** SO_SNDBUF of TCP client connections ({@link #SEND_BUFFER_BYTES_DEFAULT}); 0 leaves it to the kernel. */
    public BroadcastConfig sendBufferBytes(int bytes) { this.sendBufferBytes = bytes; return this; }

    /** Checks everything once; throws {@link IllegalArgumentException} naming the option and the fix. */
    public BroadcastConfig conclude() {
        if (queueDir == null) {
            throw new IllegalArgumentException("--queue is required: the directory 'teefs journal' writes to");
        }
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("give at least one --listen address, e.g. --listen unix:/run/teefs/teefs.sock");
        }
        positive("heartbeat interval", heartbeatInterval);
        positive("idle timeout", idleTimeout);
        positive("hello timeout", helloTimeout);
        positive("retention interval", retentionInterval);
        if (idleTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("idle timeout " + idleTimeout + " must be at least twice the heartbeat interval "
                    + heartbeatInterval + ", or healthy peers get dropped");
        }
        if (batchBytes < 4096 || batchBytes > 4 * 1024 * 1024) {
            throw new IllegalArgumentException("batch size must be between 4 KiB and 4 MiB, was " + batchBytes);
        }
        if (sendfileMinBytes < 0) {
            throw new IllegalArgumentException("sendfile minimum must be 0 (off) or a byte count, was " + sendfileMinBytes);
        }
        if (sendBufferBytes < 0) {
            throw new IllegalArgumentException("socket send buffer must be 0 (the kernel's autotuning) or a byte count, was "
                    + sendBufferBytes);
        }
        if (highWaterMark < batchBytes) {
            throw new IllegalArgumentException("high water mark " + highWaterMark + " must be at least the batch size " + batchBytes);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
        }
        if (tlsCert != null) {
            readable("--tls-cert", tlsCert);
            readable("--tls-key", tlsKey);
        }
        if (tokenFile != null) {
            readable("--token-file", tokenFile);
        }
        if (clientCa != null) {
            if (tlsCert == null) {
                throw new IllegalArgumentException("--client-ca needs --tls-cert and --tls-key: client certificates "
                        + "are checked in the TLS handshake (make the server pair with 'teefs keygen --out DIR')");
            }
            readable("--client-ca", clientCa);
        }
        if (metrics != null && !metrics.isLocal()) {
            throw new IllegalArgumentException("metrics address " + metrics + " is not loopback: the endpoint is plain "
                    + "HTTP without credentials, so it listens on loopback only (e.g. tcp://127.0.0.1:9407); "
                    + "scrape it through a local agent or an SSH tunnel");
        }
        for (ListenAddress a : listeners) {
            if (!a.isLocal() && (tlsCert == null || (tokenFile == null && clientCa == null))) {
                throw new IllegalArgumentException(a + " is neither a Unix socket nor loopback, so the stream would be "
                        + "readable from the network: listening there needs TLS and a credential. Run "
                        + "'teefs keygen --out DIR' and add --tls-cert DIR/server.crt --tls-key DIR/server.key "
                        + "--token-file DIR/token (clients then pass --token-file and --server-cert DIR/server.crt), "
                        + "and/or require client certificates with --client-ca FILE ('teefs keygen --client NAME'), "
                        + "or listen on unix:/run/teefs/teefs.sock or tcp://127.0.0.1:PORT");
            }
        }
        concluded = true;
        return this;
    }

    private static void positive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }

    private static void readable(String option, Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + " does not exist or is not readable");
        }
    }

    void requireConcluded() {
        if (!concluded) {
            throw new IllegalStateException("call conclude() before starting the server");
        }
    }

    public Path queueDir() { return queueDir; }
    public List<ListenAddress> listeners() { return List.copyOf(listeners); }
    public Duration heartbeatInterval() { return heartbeatInterval; }
    public Duration idleTimeout() { return idleTimeout; }
    public Duration helloTimeout() { return helloTimeout; }
    public int batchBytes() { return batchBytes; }
    public int highWaterMark() { return highWaterMark; }
    public Path tokenFile() { return tokenFile; }
    public Path tlsCert() { return tlsCert; }
    public Path tlsKey() { return tlsKey; }
    public Path clientCa() { return clientCa; }
    public ListenAddress metrics() { return metrics; }
    public RetentionPolicy retention() { return retention; }
    public Duration retentionInterval() { return retentionInterval; }
    public int ioThreads() { return ioThreads; }
    public int sendfileMinBytes() { return sendfileMinBytes; }
    public boolean sendfileOverTcp() { return sendfileOverTcp; }
    /** Whether a plain (not TLS) connection, TCP or not, sends side data as file regions with sendfile(2). */
    public boolean sendsFileRegions(boolean tcp) { return sendfileMinBytes > 0 && (!tcp || sendfileOverTcp); }
    public int sendBufferBytes() { return sendBufferBytes; }
    public Path positionsDir() { return queueDir.resolve(POSITIONS_DIR); }
}
