package teefs.broadcast.server;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import teefs.queue.JournalQueue;

/**
 * What every connection of one server shares: the queue, the configuration, the client registry, credentials and
 * TLS material, the housekeeping thread (position saving, retention, forgetting clients, status reports), and the
 * highest index any pump has read (a cheap, approximate head for heartbeats and lag).
 *
 * <p>Thread-safe: every member is.
 */
public final class ServerContext {
    final BroadcastConfig config;
    final JournalQueue queue;
    final ClientRegistry registry;
    final Credentials credentials;
    final TlsMaterial tls;
    final QueueStats stats;
    final RestatementTracker restatements;
    /** Wakes pumps when the journal appends. */
    final DoorbellWatcher doorbell;
    /** The one thread that saves positions, runs retention and forgets clients. */
    final ScheduledExecutorService housekeeping;
    private final AtomicLong headSeen = new AtomicLong(-1);
    private final AtomicLong recordsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();

    ServerContext(BroadcastConfig config, JournalQueue queue, ClientRegistry registry, Credentials credentials,
                  TlsMaterial tls, QueueStats stats, ScheduledExecutorService housekeeping) {
        this.config = config;
        this.queue = queue;
        this.registry = registry;
        this.credentials = credentials;
        this.tls = tls;
        this.stats = stats;
        this.restatements = new RestatementTracker(queue);
        this.doorbell = new DoorbellWatcher(config.queueDir());
        this.housekeeping = housekeeping;
    }

    void sawIndex(long index) {
        headSeen.accumulateAndGet(index, Math::max);
    }

    void countSent(int records, long bytes) {
        recordsSent.addAndGet(records);
        bytesSent.addAndGet(bytes);
    }

    /** Average record size sent so far (for lag estimates of records not yet read), 0 before any. */
    long averageRecordBytes() {
        long n = recordsSent.get();
        return n == 0 ? 0 : bytesSent.get() / n;
    }

    /** The highest index a pump has read, or the queue's last index if larger. */
    long head() {
        long last = stats.lastIndex();
        return Math.max(last, headSeen.get());
    }

    long headSeen() {
        return headSeen.get();
    }
}
