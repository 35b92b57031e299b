package teefs.mirror.session;

import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.ClientTlsException;
import teefs.broadcast.client.RecordListener;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.wire.WireException;
import teefs.protocol.control.Welcome;

/**
 * One connection to the broadcast server: connect from the applier's position, check the queue id, then apply the
 * records the connection delivers (through the {@link RecordHandoff}) on the calling thread, flushing every batch
 * interval and acking what is durable, until the connection ends or a stop is requested.
 *
 * <p>Threads: {@link #run} on the mirror thread, which owns the applier; the client's event loop only copies records
 * into the handoff and reports the end of the connection, each connection as a session of the handoff of its own
 * ({@link Connection}), so that nothing a connection given up sends later reaches a later session.
 */
final class MirrorSession {
    /** How a session ended, when it did not throw. */
    enum End { STOPPED, DISCONNECTED }

    /** Called on the mirror thread once the server welcomed the session. */
    interface Events {
        void welcomed(Welcome welcome, long streamingAfter);

        /** A record was applied (for the "resumed" line after a pause). */
        void applied(long index);
    }

    private static final int DRAIN_LIMIT = 256;
    private static final long IDLE_PARK_NANOS = 200_000_000L;

    private final MirrorOptions options;
    private final RecordHandoff handoff;
    private final BooleanSupplier stopRequested;
    private final Events events;
    private Throwable disconnectCause;

    MirrorSession(MirrorOptions options, RecordHandoff handoff, BooleanSupplier stopRequested, Events events) {
        this.options = options;
        this.handoff = handoff;
        this.stopRequested = stopRequested;
        this.events = events;
    }

    /** Why the last {@link End#DISCONNECTED} session ended. */
    Throwable disconnectCause() {
        return disconnectCause;
    }

    /**
     * Streams until the connection ends or a stop is requested; flushes what was applied before returning.
     *
     * @throws MirrorException                               queue id mismatch, refusal, untrusted stream
     * @throws teefs.mirror.apply.ApplyException             a record that cannot be applied
     * @throws teefs.mirror.apply.TargetUnavailableException TARGET full or gone
     * @throws StateStoreException                           the state cannot be saved
     */
    End run(DurableApplier applier) {
        int handoffSession = handoff.reopen();
        String queueId = applier.saved().queueId();
        ClientOptions co = new ClientOptions().address(options.address()).name(options.name()).queueId(queueId)
                .credential(options.credential()).tls(options.tls())
                .heartbeatInterval(options.heartbeat()).idleTimeout(options.idleTimeout());
        applier.startPosition(co);
        BroadcastClient client;
        try {
            client = BroadcastClient.connect(co, new Connection(handoffSession));
        } catch (RefusedException e) {
            return refused(e, queueId);
        } catch (ClientTlsException e) {
            throw tlsProblem(e);
        } catch (BroadcastClientException e) {
            disconnectCause = e;
            return End.DISCONNECTED;
        }
        try {
            if (!sameQueue(client.welcome().getQueueId(), queueId)) {
                throw new MirrorException(MirrorException.MUST_BOOTSTRAP, "the server at " + options.address()
                        + " serves queue " + client.welcome().getQueueId() + ", but this mirror's position (state "
                        + options.stateFile() + ") belongs to queue " + queueId
                        + ": run teefs mirror with --bootstrap --source STORE to copy the tree and start over", null);
            }
            TargetDrive.refuseOwnJournal(options, queueId);
            events.welcomed(client.welcome(), applier.applied());
            return stream(client, applier);
        } finally {
            handoff.close();
            client.close();
        }
    }

    private End stream(BroadcastClient client, DurableApplier applier) {
        long batchNanos = options.batch().toNanos();
        RecordHandoff.RecordSink sink = (index, buffer, offset, length) -> {
            applier.accept(index, buffer, offset, length);
            events.applied(index);
        };
        while (true) {
            if (stopRequested.getAsBoolean()) {
                ack(client, applier);
                return End.STOPPED;
            }
            int n;
            try {
                n = handoff.drain(sink, DRAIN_LIMIT);
            } catch (StreamGapException e) {
                disconnectCause = e;
                return End.DISCONNECTED;
            }
            if (applier.flushDue(batchNanos)) {
                ackDurable(client, applier.flushInBackground(), applier);
            }
            if (n > 0) {
                continue;
            }
            Throwable closed = handoff.closeCause();
            if (closed != null && handoff.isEmpty()) {
                applier.flush();
                untrusted(closed, applier);
                if (closed instanceof RefusedException r) {
                    return refused(r, applier.saved().queueId());
                }
                if (closed instanceof ClientTlsException t) {
                    throw tlsProblem(t);
                }
                disconnectCause = closed;
                return End.DISCONNECTED;
            }
            handoff.awaitWork(Math.min(IDLE_PARK_NANOS, applier.nanosUntilFlush(batchNanos)));
        }
    }

    private void ack(BroadcastClient client, DurableApplier applier) {
        ackDurable(client, applier.flush(), applier);
    }

    private static void ackDurable(BroadcastClient client, long durable, DurableApplier applier) {
        if (durable >= 0 && !applier.saved().tracking() && client.isConnected()) {
            client.ack(durable);
        }
    }

    /** A connection that ended because the server sent bytes the client refused: the mirror stops, loudly. */
    private void untrusted(Throwable cause, DurableApplier applier) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof WireException w) {
                throw new MirrorException(MirrorException.UNTRUSTED_RECORD, "refused the stream from "
                        + options.address() + " after index " + applier.applied() + ": " + w.getMessage()
                        + "; nothing after index " + applier.applied() + " was applied. The server, its journal or"
                        + " the connection is corrupt (or it is not a teefs server): check 'teefs dump' on the"
                        + " server's queue", cause);
            }
        }
    }

    private End refused(RefusedException e, String queueId) {
        if (e.mustBootstrap()) {
            throw new MirrorException(MirrorException.MUST_BOOTSTRAP, e.getMessage() + " (state "
                    + options.stateFile() + ", queue " + queueId + "): run teefs mirror with --bootstrap --source"
                    + " STORE to copy the tree again", e);
        }
        switch (e.code()) {
            // the certificate names another client (or none): the message names both and the fix
            case BAD_CREDENTIAL, PROTOCOL_VERSION_MISMATCH, BAD_REQUEST, CERTIFICATE_NAME_MISMATCH ->
                    throw new MirrorException(MirrorException.CONFIGURATION, e.getMessage(), e);
            case REPLACED -> throw new MirrorException(MirrorException.CONFIGURATION, e.getMessage()
                    + ": another mirror connected with the name '" + options.name() + "'; give each mirror its own"
                    + " --name", e);
            default -> {
                // shutting down; NAME_IN_USE (this name is live from another address: a connection of ours the
                // server has not yet dropped as dead, which it does within its idle timeout, or another mirror
                // with our name, which the message says): try again later
                disconnectCause = e;
                return End.DISCONNECTED;
            }
        }
    }

    /** TLS that cannot work as configured (trust, certificates, files): reconnecting would not help. */
    private MirrorException tlsProblem(ClientTlsException e) {
        return new MirrorException(MirrorException.CONFIGURATION, e.getMessage(), e);
    }

    private static boolean sameQueue(String a, String b) {
        try {
            return UUID.fromString(a).equals(UUID.fromString(b));
        } catch (IllegalArgumentException e) {
            return a.equals(b);
        }
    }

    /** One connection's records and end, into the handoff as session {@code session} of it (on its event loop). */
    private final class Connection implements RecordListener {
        private final int session;

        Connection(int session) {
            this.session = session;
        }

        @Override
        public void onRecord(long index, DirectBuffer buffer, int offset, int length) {
            if (!handoff.offer(session, index, buffer, offset, length)) {
                throw new IllegalStateException("the mirror session ended; dropping the connection");
            }
        }

        @Override
        public void onClosed(Throwable cause) {
            handoff.connectionClosed(session, cause);
        }
    }
}
