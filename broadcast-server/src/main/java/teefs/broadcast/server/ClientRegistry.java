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
        long min = Long.MAX_VALUE;
        for (ClientRecord r : records.values()) {
            min = Math.min(min, r.ackedIndex());
        }
        return min;
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
