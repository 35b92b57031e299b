package teefs.mirror.session;

import java.io.PrintStream;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.StatusClient;
import teefs.mirror.apply.ApplyException;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.protocol.control.Welcome;

/**
 * A mirror: keeps TARGET identical to the journal a broadcast server streams, forever. It resumes from its saved
 * {@link MirrorState}, runs one {@link MirrorSession} per connection, and between sessions:
 * <ul>
 *   <li>connection lost or server down: reconnects with exponential backoff and jitter, from the last applied index
 *       (the engine and its handles stay open, so the resume is exact);</li>
 *   <li>TARGET full, read-only, failing or gone: pauses; every retry reopens TARGET from the saved (durable) state
 *       and applies again from there, until it works;</li>
 *   <li>a record that cannot be applied or trusted, a queue id mismatch, a refused credential, TLS
 *       that cannot work as configured (an untrusted server certificate, a refused client certificate): stops with a
 *       {@link MirrorException} carrying the exit code.</li>
 * </ul>
 * Every change of state is one line on the log.
 *
 * <p>Threads: {@link #run} is called once, by the mirror thread, which owns the apply engine, the state store and
 * every session; {@link #stop} may be called from any thread (a signal handler) and makes {@link #run} flush, save
 * and return.
 */
public final class Mirror {
    private final MirrorOptions options;
    private final StateStore store;
    private final StateLog log;
    private volatile boolean stopping;
    private volatile Thread owner;
    private long pausedAtIndex = Long.MIN_VALUE;

    public Mirror(MirrorOptions options, PrintStream logStream) {
        this.options = options;
        this.store = new StateStore(options.stateFile());
        this.log = new StateLog(logStream, options.name());
    }

    public StateLog log() {
        return log;
    }

    /** Any thread: asks {@link #run} to flush, save its position and return. */
    public void stop() {
        stopping = true;
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether {@link #stop} was called. */
    public boolean stopRequested() {
        return stopping;
    }

    /**
     * Mirrors until {@link #stop}. Returns normally after a stop (state saved).
     *
     * @throws MirrorException when the mirror cannot go on (its exit code says why)
     */
    public void run() {
        owner = Thread.currentThread();
        RecordHandoff handoff = new RecordHandoff(RecordHandoff.DEFAULT_CAPACITY, owner);
        Backoff reconnect = new Backoff(options.backoffInitial().toNanos(), options.backoffMax().toNanos(),
                ThreadLocalRandom.current()::nextLong);
        Backoff pause = new Backoff(options.backoffInitial().toNanos(), options.pauseRetryMax().toNanos(),
                ThreadLocalRandom.current()::nextLong);
        MirrorSession session = new MirrorSession(options, handoff, () -> stopping, new MirrorSession.Events() {
            @Override
            public void welcomed(Welcome welcome, long after) {
                reconnect.reset();
                if (log.state() != StateLog.State.PAUSED) {
                    log.enter(StateLog.State.STREAMING, "streaming " + (after < 0 ? "from the oldest record"
                            : "after index " + after) + " (server head " + welcome.getHeadIndex() + ", queue "
                            + welcome.getQueueId() + ")");
                }
            }

            @Override
            public void applied(long index) {
                if (log.state() == StateLog.State.PAUSED && index >= pausedAtIndex) {
                    pause.reset();
                    log.enter(StateLog.State.STREAMING, "resumed: applied record #" + index
                            + "; the target takes writes again");
                }
            }
        });
        DurableApplier applier = null;
        log.enter(StateLog.State.CONNECTING, "connecting to " + options.address() + " for target "
                + options.target() + " (state " + store.file() + ", sync " + options.sync().name().toLowerCase()
                + ")");
        try {
            while (!stopping) {
                try {
                    if (applier == null) {
                        applier = open();
                    }
                    MirrorSession.End end = session.run(applier);
                    if (end == MirrorSession.End.STOPPED) {
                        break;
                    }
                    if (log.state() != StateLog.State.PAUSED) {
                        log.enter(StateLog.State.RECONNECTING, "disconnected: " + message(session.disconnectCause())
                                + "; reconnecting with backoff from index " + applier.applied());
                    }
                    sleep(reconnect.nextDelayNanos());
                } catch (TargetUnavailableException | StateStoreException e) {
                    closeQuietly(applier);
                    applier = null;
                    pausedAtIndex = e instanceof ApplyException a && a.index() != ApplyException.NO_INDEX
                            ? a.index() : Long.MIN_VALUE;
                    log.enter(StateLog.State.PAUSED, "paused: " + e.getMessage()
                            + "; retrying until the target is back (nothing is skipped)");
                    sleep(pause.nextDelayNanos());
                } catch (ApplyException e) {
                    flushQuietly(applier);
                    log.enter(StateLog.State.FAILED, "stopped: " + e.getMessage());
                    throw new MirrorException(MirrorException.UNTRUSTED_RECORD, e.getMessage()
                            + " (the mirror stopped at this record; its position is saved just before it)", e);
                } catch (MirrorException e) {
                    flushQuietly(applier);
                    log.enter(StateLog.State.FAILED, "stopped: " + e.getMessage());
                    throw e;
                }
            }
            if (applier != null) {
                applier.flush();
            }
            log.enter(StateLog.State.STOPPED, "stopped; position saved at index "
                    + (applier == null ? "(unchanged)" : String.valueOf(applier.saved().lastApplied())));
        } finally {
            closeQuietly(applier);
        }
    }

    /** Opens TARGET at the saved state; no state means this mirror was never bootstrapped. */
    private DurableApplier open() {
        TargetDrive.requireMounted(options);
        MirrorState state = store.load().orElseThrow(() -> new MirrorException(MirrorException.MUST_BOOTSTRAP,
                "no saved position for target " + options.target() + " (state file " + store.file()
                        + " does not exist): run teefs mirror with --bootstrap --source STORE first", null));
        WindowRepair repair = null;
        BootstrapWindow window = state.window();
        if (window != null) {
            repair = new WindowRepair(window, new SourceCopy(window.source(), options.target(), () -> stopping),
                    this::serverHead, log);
            log.line("bootstrap window: records up to index " + window.end() + (window.marks().isEmpty() ? ""
                    : " (and " + window.marks().size() + " marked path(s))") + " copy the destination of each"
                    + " rename and link again from " + window.source());
        }
        return new DurableApplier(options.target(), store, options.sync(), state, System::nanoTime, repair, log);
    }

    /** The server's head index now, for the marks of the bootstrap window's repairs. */
    private long serverHead() {
        try {
            return StatusClient.fetch(new ClientOptions().address(options.address())
                    .credential(options.credential()).tls(options.tls()), 10_000).getHeadIndex();
        } catch (BroadcastClientException e) {
            throw new TargetUnavailableException(null, "cannot ask the server for its head index, which a repair of"
                    + " the bootstrap window needs: " + e.getMessage(), 0);
        }
    }

    private void sleep(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while (!stopping && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    private static String message(Throwable t) {
        return t == null ? "connection ended" : t.getMessage();
    }

    private void flushQuietly(DurableApplier applier) {
        if (applier != null) {
            try {
                applier.flush();
            } catch (RuntimeException e) {
                log.line("could not save the position on the way out: " + e.getMessage());
            }
        }
    }

    private static void closeQuietly(DurableApplier applier) {
        if (applier != null) {
            try {
                applier.close();
            } catch (RuntimeException ignored) {
                // closing descriptors of a vanished target: nothing more to do
            }
        }
    }
}
