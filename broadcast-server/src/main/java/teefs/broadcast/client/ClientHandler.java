package teefs.broadcast.client;

import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.UnsafeBuffer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import teefs.broadcast.wire.WireException;
import teefs.broadcast.wire.WireFormat;
import teefs.broadcast.wire.WireFrame;
import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.Heartbeat;
import teefs.protocol.control.Hello;
import teefs.protocol.control.Refusal;
import teefs.protocol.control.Welcome;

/**
 * The client's last handler: sends Hello on connect, completes the welcome future (or fails it with a
 * {@link RefusedException}), then validates each RECORDS frame (index order, every record through the protocol
 * {@link RecordDecoder}) and hands records to the {@link RecordListener}. Records before a Welcome, an index that
 * goes backwards, or a record that fails validation close the connection: a record the mirror cannot trust is
 * never skipped.
 *
 * <p>Runs on the connection's event loop.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private final ClientOptions options;
    private final RecordListener listener;
    private final CompletableFuture<Welcome> welcome;
    private final RecordDecoder decoder = new RecordDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private volatile long lastIndex = -1;
    private volatile long headIndex = -1;
    private volatile Throwable closeCause;

    ClientHandler(ClientOptions options, RecordListener listener, CompletableFuture<Welcome> welcome) {
        this.options = options;
        this.listener = listener;
        this.welcome = welcome;
    }

    long lastIndex() {
        return lastIndex;
    }

    long headIndex() {
        return headIndex;
    }

    Throwable closeCause() {
        return closeCause;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        c.writeAndFlush(Envelope.newBuilder().setHello(Hello.newBuilder()
                .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                .setQueueId(options.queueId())
                .setStartMode(options.startMode())
                .setIndex(options.index())
                .setHandlesOnlyBefore(options.handlesOnlyBefore())
                .setClientName(options.name())
                .setCredential(options.credential())).build());
        c.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
        try {
            if (msg instanceof WireFrame frame) {
                if (!welcome.isDone()) {
                    throw new WireException(WireException.Reason.UNEXPECTED_RECORDS, "records before the welcome");
                }
                records(frame.content());
            } else if (msg instanceof Envelope envelope) {
                control(c, envelope);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void control(ChannelHandlerContext c, Envelope envelope) {
        switch (envelope.getBodyCase()) {
            case WELCOME -> {
                Welcome w = envelope.getWelcome();
                headIndex = w.getHeadIndex();
                welcome.complete(w);
            }
            case REFUSAL -> {
                Refusal r = envelope.getRefusal();
                RefusedException e = new RefusedException(options.address().toString(), r.getCode(), r.getMessage(),
                        r.getFirstIndex(), r.getHeadIndex());
                closeCause = e;
                welcome.completeExceptionally(e);
                c.close();
            }
            case HEARTBEAT -> {
                headIndex = envelope.getHeartbeat().getHeadIndex();
                listener.onHeartbeat(headIndex);
            }
            default -> throw new WireException(WireException.Reason.BAD_CONTROL_MESSAGE,
                    "unexpected " + envelope.getBodyCase() + " from the server");
        }
    }

    private void records(ByteBuf body) throws Exception {
        if (body.readableBytes() < WireFormat.RECORDS_PREFIX) {
            throw new WireException(WireException.Reason.BAD_RECORDS, "RECORDS frame shorter than its prefix");
        }
        long index = body.readLong();
        int count = body.readInt();
        if (index <= lastIndex) {
            throw new WireException(WireException.Reason.BAD_RECORDS,
                    "batch starts at index " + index + ", not after the last delivered " + lastIndex);
        }
        if (body.hasMemoryAddress()) {
            view.wrap(body.memoryAddress() + body.readerIndex(), body.readableBytes());
        } else if (body.hasArray()) {
            view.wrap(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes());
        } else {
            byte[] copy = new byte[body.readableBytes()];
            body.getBytes(body.readerIndex(), copy);
            view.wrap(copy);
        }
        int offset = 0;
        int end = body.readableBytes();
        for (int i = 0; i < count; i++, index++) {
            int frameLength;
            try {
                frameLength = decoder.wrap(view, offset, end - offset);
            } catch (MalformedRecordException e) {
                throw new WireException(WireException.Reason.BAD_RECORDS,
                        "record at index " + index + " is malformed: " + e.getMessage(), e);
            }
            listener.onRecord(index, view, offset, frameLength);
            lastIndex = index;
            offset += frameLength;
        }
        if (offset != end) {
            throw new WireException(WireException.Reason.BAD_RECORDS,
                    "RECORDS frame holds " + (end - offset) + " bytes beyond its " + count + " records");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                fail(c, new BroadcastClientException(options.address() + " sent nothing for "
                        + options.idleTimeout().toMillis() + " ms: dropped as dead"));
            } else if (idle.state() == IdleState.WRITER_IDLE && welcome.isDone()) {
                c.writeAndFlush(Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                        .setSentUnixMillis(System.currentTimeMillis())).build());
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            fail(c, explain(handshake.cause()));
            return;
        }
        c.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        fail(c, explain(cause));
    }

    /** A failure as the user should read it: TLS problems (a configuration error) say which flag fixes them. */
    private Throwable explain(Throwable cause) {
        if (cause instanceof BroadcastClientException) {
            return cause;
        }
        ClientTlsException tls = ClientTlsException.classify(cause, options);
        if (tls != null) {
            return tls;
        }
        return new BroadcastClientException("connection to " + options.address() + " failed: " + cause.getMessage(), cause);
    }

    private void fail(ChannelHandlerContext c, Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        welcome.completeExceptionally(cause);
        c.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        if (closeCause == null) {
            closeCause = new BroadcastClientException("connection to " + options.address() + " closed by the server"
                    + (welcome.isDone() ? "" : beforeWelcomeHint()));
        }
        welcome.completeExceptionally(closeCause);
        listener.onClosed(closeCause);
        c.fireChannelInactive();
    }

    /** A TCP connection closed before the welcome is most often a TLS mismatch; the server's log has the reason. */
    private String beforeWelcomeHint() {
        if (options.address().isUnix()) {
            return " before its welcome (its log says why)";
        }
        if (!options.usesTls()) {
            return " before its welcome: if the server uses TLS on this address, pass --server-cert FILE (a copy of "
                    + "its server.crt) or --server-ca FILE; otherwise its log says why";
        }
        return " before its welcome: if it requires a client certificate (--client-ca), pass --client-cert and "
                + "--client-key; its log says why";
    }
}
