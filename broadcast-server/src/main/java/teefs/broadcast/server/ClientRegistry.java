package teefs.broadcast.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every client the server has ever seen (from {@code clients/*.pos}) and those connected now. A client name has at
 * most one live session. A new connection under the name of a live one takes over (the old one is refused with
 * REPLACED) only when it comes from the same address, else it is refused with NAME_IN_USE: see {@link #attach}.
 *
 * <p>Thread-safety: attach/detach synchronise on the registry; acks touch only their record's volatile fields;
 * {@link #persistDirty()} runs on the server's housekeeping thread (and once at close).
 */
public final class ClientRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRegistry.class);

    private final PositionStore store;
    private final LongSupplier clock;
    private final long idleTimeoutMillis;
    private final Map<String, ClientRecord> records = new ConcurrentHashMap<>();

    /** @param idleTimeoutMillis the server's idle timeout, for messages */
    public ClientRegistry(PositionStore store, LongSupplier clockMillis, long idleTimeoutMillis) {
        this.store = store;
        this.clock = clockMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
        store.loadAll().forEach((name, acked) -> records.put(name, new ClientRecord(name, acked, clockMillis.getAsLong())));
    }

    /** Why {@link #attach} refused a session: its name is live from another address. */
    public static final class NameInUseException extends Exception {
        private static final long serialVersionUID = 1L;

        NameInUseException(String message) {
            super(message);
        }
    }

    /**
     * Makes {@code session} the live one for its name; returns the session it replaced (the caller tells it
     * REPLACED), or null.
     *
     * <p>The takeover rule. A new connection may take a name over from a live one only from the same address (the
     * same IP; every Unix-socket peer counts as one address). That is the mirror itself reconnecting (a restart, a
     * network blip) before the server noticed its old connection was gone: it gets in at once. From another address
     * the newcomer is refused (NAME_IN_USE) while the old connection is alive, and gets in once it is not: a
     * connection that is closed, or that stays silent for the idle timeout (a live peer sends a heartbeat at least
     * that often, so silence that long is the protocol's definition of dead, and the server drops it then).
     * Otherwise anyone who can pass the listener's credential (a shared token is held by every mirror) could
     * disconnect a working mirror and steer its acked position, which decides retention; two mirrors misconfigured
     * with one name would also knock each other off in turn. The price: a mirror whose address changed under a
     * connection the server still thinks alive waits for the idle timeout. Peers behind one NAT share an address;
     * only client certificates (the name bound to the certificate) protect a name from another holder of the
     * listener's credential.
     *
     * @throws NameInUseException when the name is live from another address (nothing changed)
     */
    public synchronized ClientSession attach(ClientSession session) throws NameInUseException {
        ClientRecord record = records.computeIfAbsent(session.name(), n -> new ClientRecord(n, -1, clock.getAsLong()));
        ClientSession previous = record.session();
        if (previous != null && previous.live() && !previous.peerHost().equals(session.peerHost())) {
            throw new NameInUseException("client name '" + session.name() + "' is connected now from "
                    + previous.describeAddress() + ", and a connection from another address cannot take it over while "
                    + "that one is alive. If it is dead, the server drops it after " + idleTimeoutMillis
                    + " ms of silence and this client's next attempt gets in; if two mirrors use this name, give each "
                    + "its own --name");
        }
        record.session(session);
        return previous;
    }

    public synchronized void detach(ClientSession session) {
        ClientRecord record = records.get(session.name());
        if (record != null && record.session() == session) {
            record.session(null);
        }
    }

    public ClientRecord record(String name) {
        return records.get(name);
    }

    /**
     * Records {@code session}'s ack, if it is its name's live session; returns false (nothing recorded) otherwise:
     * a connection that was refused (NAME_IN_USE, after its Hello and before the refusal reached it) or replaced
     * must not move the position of the connection that holds the name.
     */
    public boolean ack(ClientSession session, long index, long headIndex) {
        ClientRecord record = records.get(session.name());
        if (record == null || record.session() != session) {
            return false;
        }
        record.ack(index, headIndex, clock.getAsLong());
        return true;
    }

    public List<ClientRecord> all() {
        List<ClientRecord> list = new ArrayList<>(records.values());
        list.sort((a, b) -> a.name().compareTo(b.name()));
        return list;
    }

    /** The smallest acked index over every registered client, or Long.MAX_VALUE with none. */
    public long minAcked() {
        return minAckedExcept(null);
    }

    /** {@link #minAcked()} as if client {@code name} were forgotten. */
    public long minAckedExcept(String name) {
        long min = Long.MAX_VALUE;
        for (ClientRecord r : records.values()) {
            if (!r.name().equals(name)) {
                min = Math.min(min, r.ackedIndex());
            }
        }
        return min;
    }

    /** Why {@link #forget} did not forget a client that is connected. */
    public static final class ConnectedException extends Exception {
        private static final long serialVersionUID = 1L;

        ConnectedException(String message) {
            super(message);
        }
    }

    /**
     * Drops client {@code name}: its saved position is deleted, then it leaves the registry, so retention no longer
     * keeps the journal for it. Called on the housekeeping thread only (the one that saves positions, so no save
     * can write the file again). A client that connects later registers anew.
     *
     * @return the record dropped, or null when there is no such client
     * @throws ConnectedException when it is connected now (it would register again at once)
     * @throws IOException        when its position file cannot be deleted (nothing changed)
     */
    public synchronized ClientRecord forget(String name) throws ConnectedException, IOException {
        ClientRecord record = records.get(name);
        if (record == null) {
            return null;
        }
        ClientSession session = record.session();
        if (session != null) {
            throw new ConnectedException("client " + name + " is connected now, from " + session.describeAddress()
                    + ": stop that mirror first (or it registers again at once), then forget it");
        }
        store.delete(name);
        records.remove(name);
        return record;
    }

    /** Writes the positions that changed since the last call. */
    public void persistDirty() {
        for (ClientRecord r : records.values()) {
            long acked = r.ackedIndex();
            if (r.dirty()) {
                try {
                    store.save(r.name(), acked);
                    r.persisted(acked);
                } catch (IOException e) {
                    LOG.warn("cannot save position of client {}: {}", r.name(), e.toString());
                }
            }
        }
    }

    long now() {
        return clock.getAsLong();
    }
}
