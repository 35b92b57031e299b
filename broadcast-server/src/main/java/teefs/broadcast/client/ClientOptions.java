package teefs.broadcast.client;

import java.nio.file.Path;
import java.time.Duration;

import teefs.broadcast.net.ListenAddress;
import teefs.protocol.control.StartMode;

/**
 * How a {@link BroadcastClient} connects: where, as whom, from which index. Setters return this; {@link #validate}
 * runs once in {@link BroadcastClient#connect}.
 *
 * <p>Start positions: {@link #resumeAfter(long)} (the last index the mirror applied: the usual case),
 * {@link #startAt(long)} (bootstrap: the head index noted before copying the tree), {@link #fromHead()},
 * {@link #fromOldest()}.
 */
public final class ClientOptions {
    private ListenAddress address;
    private String name;
    private String queueId = "";
    private StartMode startMode = StartMode.START_AT_HEAD;
    private long index;
    private long handlesOnlyBefore;
    private String credential = "";
    private ClientTls tls;
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration idleTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(10);

    public ClientOptions address(ListenAddress a) { this.address = a; return this; }
    public ClientOptions address(String a) { this.address = ListenAddress.parse(a); return this; }
    public ClientOptions name(String n) { this.name = n; return this; }
    /** The queue id the client's saved index belongs to; empty (the default) accepts any queue. */
    public ClientOptions queueId(String id) { this.queueId = id == null ? "" : id; return this; }
    public ClientOptions resumeAfter(long lastApplied) { startMode = StartMode.START_AFTER_INDEX; index = lastApplied; return this; }
    public ClientOptions startAt(long first) { startMode = StartMode.START_AT_INDEX; index = first; return this; }
    public ClientOptions fromHead() { startMode = StartMode.START_AT_HEAD; index = 0; return this; }
    public ClientOptions fromOldest() { startMode = StartMode.START_AT_OLDEST; index = 0; return this; }
    /**
     * Records before {@code index} are wanted only when they change the handle table (a mirror rebuilding its handles
     * from a CHECKPOINT after a bootstrap); 0, the default, wants every record.
     */
    public ClientOptions handlesOnlyBefore(long index) { this.handlesOnlyBefore = index; return this; }
    public ClientOptions credential(String token) { this.credential = token == null ? "" : token; return this; }
    /** Use TLS, trusting exactly the server certificate(s) in this PEM file (the server.crt 'teefs keygen' wrote). */
    public ClientOptions tlsTrust(Path pem) { this.tls = ClientTls.pinned(pem); return this; }
    /** TLS settings for a tcp:// address (null: none, refused for an address that is not loopback). */
    public ClientOptions tls(ClientTls settings) { this.tls = settings; return this; }
    public ClientOptions heartbeatInterval(Duration d) { this.heartbeatInterval = d; return this; }
    /** The server is dropped as dead after this long without a byte from it. */
    public ClientOptions idleTimeout(Duration d) { this.idleTimeout = d; return this; }
    public ClientOptions connectTimeout(Duration d) { this.connectTimeout = d; return this; }

    void validate() {
        if (address == null) {
            throw new IllegalArgumentException("no server address: give unix:/run/teefs/teefs.sock or tcp://HOST:PORT");
        }
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}") || name.startsWith(".")) {
            throw new IllegalArgumentException("client name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (idleTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("idle timeout must be at least twice the heartbeat interval");
        }
        requireSecureTransport(address, tls);
    }

    /**
     * A server off loopback requires TLS, and without it the token and the stream would cross the network in
     * clear: such an address is refused without TLS settings, before anything is sent.
     *
     * @throws IllegalArgumentException naming the address and the flags that fix it
     */
    public static void requireSecureTransport(ListenAddress address, ClientTls tls) {
        if (address != null && !address.isUnix() && tls == null && !address.isLocal()) {
            throw new IllegalArgumentException(address + " is not loopback, so a teefs server there requires TLS (and "
                    + "a token or client certificate would otherwise cross the network in clear): add --server-cert "
                    + "FILE (a copy of the server.crt 'teefs keygen' made on the server) or --server-ca FILE (the CA "
                    + "that issued the server's certificate)");
        }
    }

    public ListenAddress address() { return address; }
    public String name() { return name; }
    public String queueId() { return queueId; }
    public StartMode startMode() { return startMode; }
    public long index() { return index; }
    public long handlesOnlyBefore() { return handlesOnlyBefore; }
    public String credential() { return credential; }
    public ClientTls tls() { return tls; }
    /** Whether this connection uses TLS: settings given and a tcp:// address (Unix sockets never use TLS). */
    public boolean usesTls() { return tls != null && address != null && !address.isUnix(); }
    public Duration heartbeatInterval() { return heartbeatInterval; }
    public Duration idleTimeout() { return idleTimeout; }
    public Duration connectTimeout() { return connectTimeout; }
}
