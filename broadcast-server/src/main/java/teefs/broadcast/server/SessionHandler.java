package teefs.broadcast.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import teefs.protocol.control.Envelope;
import teefs.protocol.control.Heartbeat;

/**
 * The last handler once a client is streaming: acks and heartbeats in, heartbeats out when the pump has been
 * quiet, writability changes to the pump, idle peers and protocol errors out.
 *
 * <p>Runs on the channel's event loop.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);

    private final ServerContext ctx;
    private final ClientSession session;

    SessionHandler(ServerContext ctx, ClientSession session) {
        this.ctx = ctx;
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (!(msg instanceof Envelope envelope)) {
                session.close("unexpected message " + msg);
                return;
            }
            switch (envelope.getBodyCase()) {
                case ACK -> session.onAck(envelope.getAck().getAppliedIndex());
                case HEARTBEAT -> { } // its arrival reset the idle timer
                default -> session.close("protocol error: " + envelope.getBodyCase() + " after the handshake");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                session.close("silent for " + ctx.config.idleTimeout().toMillis() + " ms: dropped as dead");
            } else if (idle.state() == IdleState.WRITER_IDLE && session.welcomed()) {
                c.writeAndFlush(Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                        .setHeadIndex(ctx.head()).setSentUnixMillis(System.currentTimeMillis())).build());
            }
            return;
        }
        c.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        session.onWritabilityChanged();
        c.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        session.close("disconnected");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        LOG.debug("client {} error", session.name(), cause);
        session.close("closed: " + cause.getMessage());
    }
}
