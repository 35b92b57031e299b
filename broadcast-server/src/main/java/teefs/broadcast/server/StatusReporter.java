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
 * <li>holding back: the bytes retention would trim if the client were forgotten; a disconnected client that holds
 *     back any is named in a warning with the command that forgets it.</li>
 * </ul>
 *
 * <p>Thread-safe, but slow for an event loop (it lists the queue directory and may read records): servers call it on
 * the housekeeping thread.
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
                .setRestatementIndex(Math.max(0, ctx.restatements.at(head)))
                .setRetainedBytes(RetentionTask.retainedBytes(ctx.config.queueDir()));
        java.util.List<RetentionTask.CycleFile> files = RetentionTask.cycleFiles(ctx.config.queueDir());
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
            long held = RetentionTask.heldBack(ctx, files, r.name(), now);
            c.setHoldingBackBytes(held);
            if (warning != null) {
                c.setRetentionWarning(true).setWarning(warning);
            } else if (held > 0) {
                c.setWarning(s == null
                        ? "disconnected, and holds back " + size(held) + " of journal that retention would trim "
                                + "(acked index " + acked + "): if this mirror is gone for good, run 'teefs forget "
                                + r.name() + "' (with the --server and credentials of 'teefs status')"
                        : "holds back " + size(held) + " of journal that retention would trim (acked index " + acked
                                + "): it is far behind; read its log");
            }
            reply.addClients(c);
        }
        return reply.build();
    }

    /** Bytes for a warning line, in the largest binary unit that keeps a number >= 1. */
    static String size(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
