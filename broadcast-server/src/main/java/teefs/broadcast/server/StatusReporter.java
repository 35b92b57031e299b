package teefs.broadcast.server;

import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

/**
 * Builds the figures that {@code teefs status} prints and the metrics endpoint exports: the head, and for each
 * registered client its acked index and lag in records, bytes and seconds.
 *
 * <ul>
 * <li>lag in records: records after the acked index up to the head, counted in the queue;</li>
 * <li>lag in bytes: exact for records sent and not yet acked, plus records not yet sent times the average record
 *     size (the pump has not read them, so their sizes are unknown without reading the disk);</li>
 * <li>lag in seconds: 0 when the client acked the head, else the time since its ack last reached the head.</li>
 * </ul>
 *
 * <p>Thread-safe; called from any event loop.
 */
final class StatusReporter {
    private StatusReporter() {
    }

    static StatusReply report(ServerContext ctx) {
        long head = ctx.head();
        long first = ctx.stats.firstIndex();
        long now = ctx.registry.now();
        StatusReply.Builder reply = StatusReply.newBuilder()
                .setQueueId(ctx.queue.id().toString())
                .setFirstIndex(first)
                .setHeadIndex(head)
                .setRetainedBytes(RetentionTask.retainedBytes(ctx.config.queueDir()));
        for (ClientRecord r : ctx.registry.all()) {
            long acked = r.ackedIndex();
            ClientSession s = r.session();
            long lagRecords = ctx.stats.countAfter(acked, head);
            long lagBytes;
            if (s != null) {
                lagBytes = s.unackedBytes() + ctx.stats.countAfter(Math.max(s.sentIndex(), acked), head) * ctx.averageRecordBytes();
            } else {
                lagBytes = lagRecords * ctx.averageRecordBytes();
            }
            double lagSeconds = acked >= head || lagRecords == 0 ? 0 : Math.max(0, now - r.caughtUpAtMillis()) / 1000.0;
            ClientStatus.Builder c = ClientStatus.newBuilder()
                    .setName(r.name())
                    .setConnected(s != null)
                    .setAckedIndex(acked)
                    .setSentIndex(s == null ? -1 : s.sentIndex())
                    .setLagRecords(lagRecords)
                    .setLagBytes(lagBytes)
                    .setLagSeconds(lagSeconds);
            if (s != null) {
                c.setAddress(s.address()).setConnectedSinceUnixMillis(s.connectedSinceMillis());
            }
            String warning = RetentionTask.warning(ctx, acked, first);
            if (warning != null) {
                c.setRetentionWarning(true).setWarning(warning);
            }
            reply.addClients(c);
        }
        return reply.build();
    }
}
