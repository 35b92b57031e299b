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
 * most one live session: a new connection under the same name replaces the old one (a reconnecting client usually
 * beats the server's idle timeout to it).
 *
 * <p>Thread-safety: attach/detach synchronise on the registry; acks touch only their record's volatile fields;
 * {@link #persistDirty()} runs on the server's housekeeping thread (and once at close).
 */
public final class ClientRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRegistry.class);

    private final PositionStore store;
    private final LongSupplier clock;
    private final Map<String, ClientRecord> records = new ConcurrentHashMap<>();

    public ClientRegistry(PositionStore store, LongSupplier clockMillis) {
        this.store = store;
        this.clock = clockMillis;
        store.loadAll().forEach((name, acked) -> records.put(name, new ClientRecord(name, acked, clockMillis.getAsLong())));
    }

    /** Makes {@code session} the live one for its name; returns the session it replaced, or null. */
    public synchronized ClientSession attach(ClientSession session) {
        ClientRecord record = records.computeIfAbsent(session.name(), n -> new ClientRecord(n, -1, clock.getAsLong()));
        ClientSession previous = record.session();
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

    public void ack(String name, long index, long headIndex) {
        ClientRecord record = records.get(name);
        if (record != null) {
            record.ack(index, headIndex, clock.getAsLong());
        }
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
            String from = session.address().isBlank() ? "a Unix socket" : session.address();
            throw new ConnectedException("client " + name + " is connected now, from " + from
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
