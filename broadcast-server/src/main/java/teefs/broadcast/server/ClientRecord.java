package teefs.broadcast.server;

/**
 * What the server knows about one named client, connected or not: its acked index (persisted) and its live
 * session, if any.
 *
 * <p>Thread-safety: fields are volatile; the acked index only grows ({@link #ack} is called from the session's
 * event loop), the session is swapped under the registry's lock.
 */
public final class ClientRecord {
    private final String name;
    private volatile long ackedIndex;
    private volatile long caughtUpAtMillis;
    private volatile ClientSession session;
    private volatile long persistedIndex;

    ClientRecord(String name, long ackedIndex, long nowMillis) {
        this.name = name;
        this.ackedIndex = ackedIndex;
        this.persistedIndex = ackedIndex;
        this.caughtUpAtMillis = nowMillis;
    }

    public String name() {
        return name;
    }

    /** The last index the client says it durably applied, -1 when it never acked. */
    public long ackedIndex() {
        return ackedIndex;
    }

    /** When the client's ack last reached the head the server knew of. */
    public long caughtUpAtMillis() {
        return caughtUpAtMillis;
    }

    public ClientSession session() {
        return session;
    }

    void session(ClientSession s) {
        session = s;
    }

    /** Records an ack; a smaller index than the current one (a client that restarted from older state) wins too. */
    void ack(long index, long headIndex, long nowMillis) {
        ackedIndex = index;
        if (index >= headIndex) {
            caughtUpAtMillis = nowMillis;
        }
    }

    void markCaughtUp(long nowMillis) {
        caughtUpAtMillis = nowMillis;
    }

    boolean dirty() {
        return persistedIndex != ackedIndex;
    }

    void persisted(long index) {
        persistedIndex = index;
    }
}
