package teefs.broadcast.server;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.ssl.SslHandler;

import teefs.broadcast.wire.RecordBatchWriter;
import teefs.broadcast.wire.RecordsFrame;
import teefs.broadcast.wire.SideFiles;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.ErrorCode;
import teefs.protocol.control.Hello;
import teefs.protocol.control.Refusal;
import teefs.protocol.control.Welcome;
import teefs.queue.JournalReader;

/**
 * One client after a valid Hello: a pump thread of its own that owns the client's {@link JournalReader} (created,
 * positioned, read and closed on that thread only) and writes RECORDS frames to the channel while it is writable.
 * When the channel is not writable the pump parks until {@link #onWritabilityChanged()} wakes it: a client that
 * stops reading costs one high-water mark of memory; its backlog stays on disk.
 *
 * <p>Threads: the pump thread owns the reader and batch writer; the channel's event loop calls {@link #onAck},
 * {@link #onWritabilityChanged} and {@link #close}; status readers read the volatile counters from anywhere.
 */
public final class ClientSession {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final int MAX_UNACKED_MARKS = 4096;

    private final ServerContext ctx;
    private final Channel channel;
    private final Hello hello;
    private final long connectedSinceMillis;
    private final Thread pump;

    private volatile boolean closed;
    private volatile boolean welcomed;
    private volatile long sentIndex = -1;
    private volatile long bytesSent;
    private volatile long recordsSent;
    /** (first index, last index, bytes sent before, bytes sent after) per unacked batch: lag in bytes of what was sent. */
    private final ArrayDeque<long[]> unacked = new ArrayDeque<>();
    private long ackedBytes;

    ClientSession(ServerContext ctx, Channel channel, Hello hello) {
        this.ctx = ctx;
        this.channel = channel;
        this.hello = hello;
        this.connectedSinceMillis = ctx.registry.now();
        this.pump = new Thread(this::run, "teefs-pump-" + hello.getClientName());
        this.pump.setDaemon(true);
    }

    void start() {
        pump.start();
    }

    public String name() {
        return hello.getClientName();
    }

    public String address() {
        return String.valueOf(channel.remoteAddress());
    }

    /** The address for messages: "a Unix socket" for one (its peers have no address of their own). */
    String describeAddress() {
        String a = address();
        if (channel.remoteAddress() instanceof InetSocketAddress) {
            return a;
        }
        return a.isBlank() || a.equals("null") ? "a Unix socket" : "a Unix socket (" + a + ")";
    }

    /** The peer's host for the takeover rule: its IP address, or "unix" for every Unix-socket peer. */
    String peerHost() {
        return channel.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : "unix";
    }

    /** Whether the connection is still up and serving (not closed, refused, or dropped as idle). */
    boolean live() {
        return !closed && channel.isActive();
    }

    public long connectedSinceMillis() {
        return connectedSinceMillis;
    }

    public long sentIndex() {
        return sentIndex;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long recordsSent() {
        return recordsSent;
    }

    boolean welcomed() {
        return welcomed;
    }

    /** Bytes sent but not yet acked (exact at batch boundaries, interpolated inside a batch). */
    public synchronized long unackedBytes() {
        return bytesSent - ackedBytes;
    }

    /** Event loop: the client applied everything up to {@code index}. */
    void onAck(long index) {
        if (index > sentIndex) {
            // it cannot have applied what it was never sent: a buggy or hostile client must not steer retention
            close("acked index " + index + " beyond the last index sent to it (" + sentIndex + "): protocol error");
            return;
        }
        if (!ctx.registry.ack(this, index, ctx.headSeen())) {
            LOG.debug("client {} at {}: ack {} ignored: not the name's live connection", name(), address(), index);
            return;
        }
        synchronized (this) {
            while (!unacked.isEmpty() && unacked.peekFirst()[1] <= index) {
                ackedBytes = unacked.pollFirst()[3];
            }
            long[] partial = unacked.peekFirst();
            if (partial != null && partial[0] <= index) {
                // inside a batch: interpolate by record count (exact at batch boundaries)
                ackedBytes = partial[2] + (partial[3] - partial[2]) * (index - partial[0] + 1) / (partial[1] - partial[0] + 1);
            }
        }
    }

    /** Event loop: the channel's writability flipped; the pump re-checks it. */
    void onWritabilityChanged() {
        LockSupport.unpark(pump);
    }

    /** Any thread: stops the pump and closes the connection, logging why. */
    void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("client {} at {}: {}", name(), address(), reason);
        channel.close();
        LockSupport.unpark(pump);
    }

    /** Any thread: tells the client why, then closes. */
    void refuse(ErrorCode code, String message) {
        refuse(code, message, true);
    }

    private void refuse(ErrorCode code, String message, boolean log) {
        if (closed) {
            return;
        }
        closed = true;
        if (log) {
            LOG.info("client {} at {} refused: {} {}", name(), address(), code, message);
        }
        channel.writeAndFlush(Envelope.newBuilder().setRefusal(Refusal.newBuilder().setCode(code).setMessage(message)
                        .setFirstIndex(ctx.queue.firstIndex()).setHeadIndex(ctx.head())).build())
                .addListener(ChannelFutureListener.CLOSE);
        LockSupport.unpark(pump);
    }

    /** Waits for the pump thread to end (after {@link #close}); the queue must not close under a reader. */
    void awaitPump(long millis) {
        try {
            pump.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean attached = false;
        // sendfile bypasses user space, so it cannot go through TLS: a TLS connection copies side data instead; so
        // does plain TCP unless configured otherwise (BroadcastConfig.SENDFILE_OVER_TCP_DEFAULT says why)
        boolean tcp = channel.localAddress() instanceof InetSocketAddress;
        boolean sendfile = channel.pipeline().get(SslHandler.class) == null && ctx.config.sendsFileRegions(tcp);
        try (JournalReader reader = ctx.queue.reader();
             SideFiles sideFiles = sendfile ? new SideFiles(ctx.queue.dir()) : null;
             RecordBatchWriter writer = new RecordBatchWriter(channel.alloc(), ctx.config.batchBytes(),
                     ctx.config.highWaterMark() / ctx.config.batchBytes() + 2, sideFiles,
                     ctx.config.sendfileMinBytes(), this::send)) {
            String problem = position(reader);
            if (problem != null) {
                refuse(ErrorCode.INDEX_NOT_RETAINED, problem);
                return;
            }
            reader.handlesOnlyBefore(hello.getHandlesOnlyBefore());
            ClientSession previous;
            try {
                previous = ctx.registry.attach(this);
            } catch (ClientRegistry.NameInUseException e) {
                LOG.warn("client {}: connection from {} refused: {} {}", name(), describeAddress(),
                        ErrorCode.NAME_IN_USE, e.getMessage());
                refuse(ErrorCode.NAME_IN_USE, e.getMessage(), false);
                return;
            }
            attached = true;
            if (previous != null && previous.live()) {
                // allowed by the takeover rule (same address, ClientRegistry.attach); still worth a warning
                LOG.warn("client {}: the connection from {} takes over from the live one from {} (same address: "
                        + "the client reconnecting, or two clients there using one name)", name(), describeAddress(),
                        previous.describeAddress());
            }
            if (previous != null) {
                previous.refuse(ErrorCode.REPLACED, "a newer connection of client " + name() + ", from "
                        + describeAddress() + ", took over");
            }
            channel.writeAndFlush(Envelope.newBuilder().setWelcome(Welcome.newBuilder()
                    .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                    .setQueueId(ctx.queue.id().toString())
                    .setFirstIndex(ctx.queue.firstIndex())
                    .setHeadIndex(ctx.head())
                    .setHeartbeatIntervalMs((int) ctx.config.heartbeatInterval().toMillis())
                    .setIdleTimeoutMs((int) ctx.config.idleTimeout().toMillis())
                    .setServerVersion(BroadcastServer.VERSION)).build());
            welcomed = true;
            LOG.info("client {} at {} streaming ({} {})", name(), address(), hello.getStartMode(), hello.getIndex());
            stream(reader, writer);
        } catch (Throwable t) {
            if (!closed) {
                LOG.warn("client {} at {}: pump failed", name(), address(), t);
                close("pump failed: " + t);
            }
        } finally {
            if (attached) {
                ctx.registry.detach(this);
            }
        }
    }

    /** Pump thread: places the reader per the Hello; returns why it cannot, or null. */
    private String position(JournalReader reader) {
        long index = hello.getIndex();
        long first = ctx.queue.firstIndex();
        long last = ctx.queue.lastIndex();
        String window = " (the queue retains " + (first < 0 ? "nothing yet" : first + " to " + last)
                + "): the client must bootstrap (copy the tree, then stream from the head index)";
        switch (hello.getStartMode()) {
            case START_AFTER_INDEX:
                if (last >= 0 && index > last) {
                    return "index " + index + " is ahead of the queue head " + last + window;
                }
                if (!reader.seekAfter(index)) {
                    return "index " + index + " is no longer retained" + window;
                }
                sentIndex = index; // the client has it: it may ack it again
                return null;
            case START_AT_INDEX:
                if (last >= 0 && index == last + 1) {
                    reader.toEnd();
                    return null;
                }
                if (!reader.seekTo(index)) {
                    return "index " + index + " is not retained" + window;
                }
                return null;
            case START_AT_HEAD:
                reader.toEnd();
                return null;
            case START_AT_OLDEST:
                reader.toStart();
                return null;
            default:
                return "unknown start mode " + hello.getStartMode();
        }
    }

    /**
     * Pump thread: reads while the channel is writable; parks when it is not, or when the queue has nothing new: on
     * the queue's doorbell when the journal rings it ({@link DoorbellWatcher}), else polling ({@link IdleBackoff}).
     */
    private void stream(JournalReader reader, RecordBatchWriter writer) {
        IdleBackoff backoff = new IdleBackoff();
        DoorbellWatcher doorbell = ctx.doorbell;
        boolean armed = false;
        try {
            while (!closed && channel.isActive()) {
                if (!channel.isWritable()) {
                    LockSupport.parkNanos(this, IdleBackoff.MAX_NANOS);
                    continue;
                }
                boolean read = false;
                while (!closed && channel.isWritable() && reader.readNext(writer)) {
                    read = true;
                }
                writer.flush();
                if (read) {
                    backoff.reset();
                } else if (armed) {
                    doorbell.sleep(this); // armed and looked again: nothing was appended in between
                    armed = false;
                    continue;
                } else if (doorbell != null && doorbell.arm(pump)) {
                    armed = true; // look once more before sleeping: an append before the arming did not ring
                    continue;
                } else {
                    backoff.idle(this);
                }
                if (armed) {
                    doorbell.disarm(pump);
                    armed = false;
                }
            }
        } finally {
            if (armed) {
                doorbell.disarm(pump);
            }
        }
    }

    /** Pump thread: one finished RECORDS frame. */
    private void send(RecordsFrame frame) {
        int count = frame.count();
        long last = frame.lastIndex();
        long bytes = frame.recordBytes();
        sentIndex = last; // before the write: the client may ack it before this thread runs again
        frame.writeTo(channel);
        recordsSent += count;
        ctx.sawIndex(last);
        ctx.countSent(count, bytes);
        synchronized (this) {
            long before = bytesSent;
            bytesSent += bytes;
            if (unacked.size() == MAX_UNACKED_MARKS) {
                unacked.pollFirst();
            }
            unacked.addLast(new long[] {last - count + 1, last, before, bytesSent});
        }
    }
}
