package teefs.mirror.session;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The batch flush of {@code --sync batch} on a thread of its own: {@code syncfs(TARGET)}, then the state saved
 * durably, while the mirror thread applies on.
 *
 * <p>Why: syncfs waits for every dirty page of TARGET's filesystem, the other mirrors' and the journal's too when
 * they share the disk; measured here at 20 ms to 0.9 s. On the mirror thread each such wait held up every record
 * that arrived meanwhile, which made the whole tail of the end-to-end lag.
 *
 * <p>Correctness: the state handed to {@link #start} was taken on the mirror thread after the records it covers were
 * applied (their writes returned), so the syncfs that starts afterwards makes them durable before the state is
 * saved: a saved state still only describes durable data. Records applied during the syncfs may be durable too,
 * which is harmless (replay is idempotent; a RENAME_EXCHANGE, the one exception, is flushed synchronously after
 * {@link #await}). One flush at a time, so states are saved in order; the state file has one writer at a time: this
 * thread while a flush is in flight, the mirror thread only after {@link #await}.
 *
 * <p>Used by the mirror thread only (its methods are not thread-safe); the flush runs on the "teefs-mirror-sync"
 * thread.
 */
final class BackgroundFlush implements AutoCloseable {
    private final TargetSync targetSync;
    private final StateStore store;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "teefs-mirror-sync");
        t.setDaemon(true);
        return t;
    });
    private Future<MirrorState> inFlight;

    BackgroundFlush(TargetSync targetSync, StateStore store) {
        this.targetSync = targetSync;
        this.store = store;
    }

    /** Whether a flush was started and has not been collected by {@link #finished} or {@link #await}. */
    boolean busy() {
        return inFlight != null;
    }

    /** Whether the flush in flight has ended (successfully or not) and waits to be collected. */
    boolean done() {
        return inFlight != null && inFlight.isDone();
    }

    /** Starts making TARGET durable and saving {@code state}; only when not {@link #busy}. */
    void start(MirrorState state) {
        if (inFlight != null) {
            throw new IllegalStateException("a flush is already in flight");
        }
        inFlight = thread.submit(() -> {
            targetSync.sync();
            store.save(state, true);
            return state;
        });
    }

    /**
     * The state the flush in flight saved, when it has ended; null while it runs or when none was started.
     *
     * @throws RuntimeException what the flush threw (a {@link teefs.mirror.apply.TargetUnavailableException}, a
     *                          {@link StateStoreException})
     */
    MirrorState finished() {
        return done() ? collect() : null;
    }

    /** Waits for the flush in flight; returns the state it saved, or null when none was started. */
    MirrorState await() {
        return inFlight == null ? null : collect();
    }

    private MirrorState collect() {
        Future<MirrorState> f = inFlight;
        inFlight = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the flush runs on regardless: its outcome decides what is saved
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new StateStoreException("the flush of TARGET failed: " + cause, cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lets a flush in flight end (its outcome is dropped: the caller flushes or resumes from the saved state). */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
