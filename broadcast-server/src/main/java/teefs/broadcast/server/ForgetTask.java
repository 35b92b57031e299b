package teefs.broadcast.server;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.protocol.control.Envelope;
import teefs.protocol.control.ErrorCode;
import teefs.protocol.control.ForgetReply;
import teefs.protocol.control.Refusal;

/**
 * {@code teefs forget NAME}: drops a registered client that is gone for good (a dead drive, a retired mirror), so
 * that retention stops keeping the journal for it, then runs a retention pass at once. A connected client is not
 * forgotten: it would register again with its next ack. If that mirror ever comes back, its position is then most
 * likely no longer retained and it is told to bootstrap (INDEX_NOT_RETAINED), as after any trim.
 *
 * <p>Runs on the server's housekeeping thread only: the thread that saves positions and runs retention, so a save
 * in flight cannot bring the deleted position file back.
 */
final class ForgetTask {
    private static final Logger LOG = LoggerFactory.getLogger(ForgetTask.class);

    private ForgetTask() {
    }

    /** The reply to send: a ForgetReply, or a Refusal saying why not. */
    static Envelope run(ServerContext ctx, String name) {
        if (!PositionStore.validName(name)) {
            return refusal(ctx, ErrorCode.BAD_REQUEST, "client name '" + name + "' is not 1-64 characters of "
                    + "A-Z a-z 0-9 . _ - (not starting with '.')");
        }
        ClientRecord forgotten;
        try {
            forgotten = ctx.registry.forget(name);
        } catch (ClientRegistry.ConnectedException e) {
            return refusal(ctx, ErrorCode.CLIENT_CONNECTED, e.getMessage());
        } catch (IOException e) {
            return refusal(ctx, ErrorCode.ERROR_CODE_UNSPECIFIED, "cannot delete the saved position of client "
                    + name + " in " + ctx.config.positionsDir() + ": " + e + " (nothing was changed)");
        }
        if (forgotten == null) {
            return refusal(ctx, ErrorCode.UNKNOWN_CLIENT, "no client named '" + name + "'; this server knows "
                    + ctx.registry.all().stream().map(ClientRecord::name).toList() + " (see teefs status)");
        }
        LOG.info("forgot client {} (acked index {}): retention no longer keeps the journal for it", name,
                forgotten.ackedIndex());
        int trimmed = RetentionTask.run(ctx);
        return Envelope.newBuilder().setForgetReply(ForgetReply.newBuilder().setClientName(name)
                .setAckedIndex(forgotten.ackedIndex()).setCyclesTrimmed(trimmed)).build();
    }

    private static Envelope refusal(ServerContext ctx, ErrorCode code, String message) {
        LOG.info("forget refused: {} {}", code, message);
        return Envelope.newBuilder().setRefusal(Refusal.newBuilder().setCode(code).setMessage(message)
                .setFirstIndex(ctx.queue.firstIndex()).setHeadIndex(ctx.head())).build();
    }
}
