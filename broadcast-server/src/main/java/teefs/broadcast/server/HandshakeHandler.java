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
 * The first message decides: a Hello that passes the checks (protocol version, credential, name, the name against
 * the client certificate, queue id, start mode) becomes a {@link ClientSession} and this handler gives way to a
 * {@link SessionHandler}; a StatusRequest gets one StatusReply; a ForgetRequest one ForgetReply or Refusal
 * ({@link ForgetTask}); anything else, or nothing within the hello timeout (a slowloris), closes the connection with
 * a logged reason. Nothing of the stream flows before the session's Welcome.
 *
 * <p>A connection that presented a client certificate ({@code --client-ca}) acts only as the client that certificate
 * names ({@link CertificateIdentity}): a Hello or ForgetRequest for another name, and any request over a certificate
 * that names no client, is refused with {@code CERTIFICATE_NAME_MISMATCH} and logged at warn. Without a client
 * certificate (a Unix socket, a token-only listener) the name is the client's own claim.
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
        CertificateIdentity certificate = certificate(c);
        if (!certificateUsable(c, certificate)) {
            return;
        }
        if (certificate != null && !certificate.names(hello.getClientName())) {
            refuseImpersonation(c, "client name '" + hello.getClientName() + "' is not the name in this connection's "
                    + "client certificate, '" + certificate.name() + "' (" + certificate.describe() + "): with client "
                    + "certificates a client may only use the name its certificate carries. Fix: run this client with "
                    + "--name " + certificate.name() + ", or give it the certificate made for " + hello.getClientName()
                    + " ('teefs keygen --client " + hello.getClientName() + "' makes one)");
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
        if (!certificateUsable(c, certificate(c))) {
            return;
        }
        // off the event loop, which also serves mirrors: a report lists the queue directory and may read records
        try {
            ctx.housekeeping.execute(() -> c.writeAndFlush(Envelope.newBuilder()
                            .setStatusReply(StatusReporter.report(ctx)).build())
                    .addListener(ChannelFutureListener.CLOSE));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refuse(c, ErrorCode.SERVER_SHUTTING_DOWN, "the server is shutting down: ask again after it restarts");
        }
    }

    /**
     * Forgetting runs on the housekeeping thread (it owns position files and retention); the reply comes from there.
     *
     * <p>Who may forget whom. Forgetting drops a client's hold on retention, so a client forgotten by someone else
     * may lose the journal it still needs and have to bootstrap: an administrator's act. Over a Unix socket (guarded
     * by its file's permissions: someone on the server's host) any client may be forgotten, with the token when one
     * is configured. Over a connection with a client certificate, only the client that certificate names (a retired
     * mirror's own key can retire it): a mirror's certificate must not let it disturb another mirror (DESIGN.md,
     * isolation), and the token cannot vouch for more, since every mirror holds it. Over a token-only connection,
     * the token is the fleet's one credential: its holder could already claim any disconnected name with a Hello and
     * move that name's position, so refusing Forget there would protect nothing (client certificates are how names
     * are protected).
     */
    private void forget(ChannelHandlerContext c, ForgetRequest request) {
        if (!ctx.credentials.accepts(request.getCredential())) {
            refuse(c, ErrorCode.BAD_CREDENTIAL, "credential refused: pass a token from the server's token file");
            return;
        }
        CertificateIdentity certificate = certificate(c);
        if (!certificateUsable(c, certificate)) {
            return;
        }
        if (certificate != null && !certificate.names(request.getClientName())) {
            refuseImpersonation(c, "a client certificate may forget only the client it names, '" + certificate.name()
                    + "' (" + certificate.describe() + "), not '" + request.getClientName() + "'. Forget other clients "
                    + "on the server's host, over its Unix socket: teefs forget --server unix:PATH "
                    + request.getClientName());
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

    /**
     * The identity of this connection's verified client certificate, or null without one (a Unix socket, TLS without
     * {@code --client-ca}). The handshake is complete: the request was decrypted by it.
     */
    private static CertificateIdentity certificate(ChannelHandlerContext c) {
        SslHandler ssl = c.pipeline().get(SslHandler.class);
        return ssl == null ? null : CertificateIdentity.ofPeer(ssl.engine().getSession());
    }

    /**
     * A certificate that names no client (a wildcard, no CN, several) identifies nobody, so nothing is done for it;
     * a TLS connection that should carry one and does not is refused too (the handshake requires one: fail closed).
     * Refuses and returns false, or returns true.
     */
    private boolean certificateUsable(ChannelHandlerContext c, CertificateIdentity certificate) {
        if (certificate == null && ctx.tls.requiresClientCertificates() && c.pipeline().get(SslHandler.class) != null) {
            refuseImpersonation(c, "no verified client certificate on a listener that requires one (--client-ca "
                    + ctx.tls.clientCa() + ")");
            return false;
        }
        if (certificate != null && certificate.name() == null) {
            refuseImpersonation(c, "the client certificate (" + certificate.describe() + ") names no client: "
                    + certificate.problem() + ". A client certificate must carry the client's name as its subject's "
                    + "only CN, e.g. CN=disk1 for the mirror named disk1 ('teefs keygen --client disk1' makes one), "
                    + "and a CA that issues client certificates must do the same");
            return false;
        }
        return true;
    }

    /** A refusal that is someone using a certificate for a name it does not carry: logged at warn. */
    private void refuseImpersonation(ChannelHandlerContext c, String message) {
        LOG.warn("connection from {} refused: {} {}", c.channel().remoteAddress(), ErrorCode.CERTIFICATE_NAME_MISMATCH,
                message);
        send(c, ErrorCode.CERTIFICATE_NAME_MISMATCH, message);
    }

    private void refuse(ChannelHandlerContext c, ErrorCode code, String message) {
        LOG.info("connection from {} refused: {} {}", c.channel().remoteAddress(), code, message);
        send(c, code, message);
    }

    private void send(ChannelHandlerContext c, ErrorCode code, String message) {
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

    /** With --client-ca, says which certificate a client was let in with (the name it may use: its CN). */
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
