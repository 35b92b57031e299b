package teefs.broadcast.server;

import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.ErrorCode;
import teefs.protocol.control.ForgetRequest;
import teefs.protocol.control.Hello;
import teefs.protocol.control.Refusal;
import teefs.protocol.control.StartMode;
import teefs.protocol.control.StatusRequest;

/**
 * The first message decides: a Hello that passes the checks (protocol version, queue id, credential, name, start
 * mode) becomes a {@link ClientSession} and this handler gives way to a {@link SessionHandler}; a StatusRequest
 * gets one StatusReply; a ForgetRequest one ForgetReply or Refusal ({@link ForgetTask}); anything else, or nothing within the hello timeout (a slowloris), closes the connection
 * with a logged reason. Nothing of the stream flows before the session's Welcome.
 *
 * <p>Runs on the channel's event loop.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final ServerContext ctx;
    private ScheduledFuture<?> timeout;
    private boolean done;
    private boolean tlsFailureLogged;

    HandshakeHandler(ServerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        long millis = ctx.config.helloTimeout().toMillis();
        timeout = c.executor().schedule(() -> {
            if (!done) {
                done = true;
                LOG.info("connection from {} closed: no hello within {} ms", c.channel().remoteAddress(), millis);
                c.close();
            }
        }, millis, TimeUnit.MILLISECONDS);
        c.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (done) {
                return;
            }
            done = true;
            timeout.cancel(false);
            if (!(msg instanceof Envelope envelope)) {
                drop(c, "first message is not a control message");
                return;
            }
            switch (envelope.getBodyCase()) {
                case HELLO -> hello(c, envelope.getHello());
                case STATUS_REQUEST -> status(c, envelope.getStatusRequest());
                case FORGET_REQUEST -> forget(c, envelope.getForgetRequest());
                default -> refuse(c, ErrorCode.BAD_REQUEST, "the first message must be Hello, StatusRequest or "
                        + "ForgetRequest, not " + envelope.getBodyCase());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void hello(ChannelHandlerContext c, Hello hello) {
        if (hello.getProtocolVersion() != WireFormat.PROTOCOL_VERSION) {
            refuse(c, ErrorCode.PROTOCOL_VERSION_MISMATCH, "client speaks protocol " + hello.getProtocolVersion()
                    + ", this server speaks " + WireFormat.PROTOCOL_VERSION + ": upgrade the older side");
            return;
        }
        if (!ctx.credentials.accepts(hello.getCredential())) {
            refuse(c, ErrorCode.BAD_CREDENTIAL, "credential refused: pass a token from the server's token file");
            return;
        }
        if (!PositionStore.validName(hello.getClientName())) {
            refuse(c, ErrorCode.BAD_REQUEST, "client name '" + hello.getClientName()
                    + "' is not 1-64 characters of A-Z a-z 0-9 . _ - (not starting with '.')");
            return;
        }
        String queueId = hello.getQueueId();
        if (!queueId.isEmpty() && !parsesAs(queueId, ctx.queue.id())) {
            refuse(c, ErrorCode.UNKNOWN_QUEUE_ID, "this server serves queue " + ctx.queue.id() + ", not " + queueId
                    + ": the client's position belongs to another queue; bootstrap it against this one");
            return;
        }
        if (hello.getStartMode() == StartMode.START_MODE_UNSPECIFIED || hello.getStartMode() == StartMode.UNRECOGNIZED) {
            refuse(c, ErrorCode.BAD_REQUEST, "hello names no start mode");
            return;
        }
        if ((hello.getStartMode() == StartMode.START_AFTER_INDEX || hello.getStartMode() == StartMode.START_AT_INDEX)
                && hello.getIndex() < 0) {
            refuse(c, ErrorCode.BAD_REQUEST, "start index " + hello.getIndex() + " is negative");
            return;
        }
        ClientSession session = new ClientSession(ctx, c.channel(), hello);
        c.pipeline().replace(this, "session", new SessionHandler(ctx, session));
        session.start();
    }

    private static boolean parsesAs(String text, UUID id) {
        try {
            return UUID.fromString(text).equals(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void status(ChannelHandlerContext c, StatusRequest request) {
        if (!ctx.credentials.accepts(request.getCredential())) {
            refuse(c, ErrorCode.BAD_CREDENTIAL, "credential refused: pass a token from the server's token file");
            return;
        }
        c.writeAndFlush(Envelope.newBuilder().setStatusReply(StatusReporter.report(ctx)).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Forgetting runs on the housekeeping thread (it owns position files and retention); the reply comes from there. */
    private void forget(ChannelHandlerContext c, ForgetRequest request) {
        if (!ctx.credentials.accepts(request.getCredential())) {
            refuse(c, ErrorCode.BAD_CREDENTIAL, "credential refused: pass a token from the server's token file");
            return;
        }
        LOG.info("connection from {} asks to forget client '{}'", c.channel().remoteAddress(), request.getClientName());
        try {
            ctx.housekeeping.execute(() -> c.writeAndFlush(ForgetTask.run(ctx, request.getClientName()))
                    .addListener(ChannelFutureListener.CLOSE));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refuse(c, ErrorCode.SERVER_SHUTTING_DOWN, "the server is shutting down: forget the client after it restarts");
        }
    }

    private void refuse(ChannelHandlerContext c, ErrorCode code, String message) {
        LOG.info("connection from {} refused: {} {}", c.channel().remoteAddress(), code, message);
        c.writeAndFlush(Envelope.newBuilder().setRefusal(Refusal.newBuilder().setCode(code).setMessage(message)
                        .setFirstIndex(ctx.queue.firstIndex()).setHeadIndex(ctx.head())).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void drop(ChannelHandlerContext c, String reason) {
        LOG.info("connection from {} closed: {}", c.channel().remoteAddress(), reason);
        c.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                logClientCertificate(c);
            } else {
                tlsFailed(c, handshake.cause());
            }
            return;
        }
        if (!(evt instanceof IdleStateEvent)) {
            c.fireUserEventTriggered(evt);
        }
    }

    /** With --client-ca, says which certificate a client was let in with (its name in the Hello is its own claim). */
    private void logClientCertificate(ChannelHandlerContext c) {
        SslHandler ssl = c.pipeline().get(SslHandler.class);
        if (ssl != null && ctx.tls.requiresClientCertificates()) {
            try {
                LOG.info("connection from {}: TLS client certificate {}", c.channel().remoteAddress(),
                        ssl.engine().getSession().getPeerPrincipal().getName());
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                LOG.info("connection from {}: TLS without a verified client certificate", c.channel().remoteAddress());
            }
        }
    }

    /** A failed TLS handshake: one line saying what to change (the event and the exception both report it). */
    private void tlsFailed(ChannelHandlerContext c, Throwable cause) {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!tlsFailureLogged) {
            tlsFailureLogged = true;
            LOG.info("connection from {} refused: TLS: {}", c.channel().remoteAddress(), TlsRefusal.describe(cause, ctx.tls));
        }
        c.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            tlsFailed(c, cause.getCause());
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        drop(c, cause.getMessage());
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        c.fireChannelInactive();
    }
}
