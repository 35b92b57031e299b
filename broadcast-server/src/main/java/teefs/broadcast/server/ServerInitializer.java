package teefs.broadcast.server;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import teefs.broadcast.wire.ControlCodec;
import teefs.broadcast.wire.FrameDecoder;
import teefs.broadcast.wire.WireFormat;

/**
 * The server pipeline, top to bottom: [TLS, or TCP_CORK around flushes] → idle timer → framing → control codec →
 * handshake (then session).
 *
 * <p>Runs on the new channel's event loop.
 */
final class ServerInitializer extends ChannelInitializer<Channel> {
    private final ServerContext ctx;
    private final boolean tls;

    ServerInitializer(ServerContext ctx, boolean tls) {
        this.ctx = ctx;
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls) {
            SslContext ssl = ctx.tls.context();
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        } else if (CorkingFlush.appliesTo(ch, ctx.config)) {
            p.addLast("cork", CorkingFlush.INSTANCE);
        }
        p.addLast("idle", new IdleStateHandler(ctx.config.idleTimeout().toMillis(),
                ctx.config.heartbeatInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
        p.addLast("framing", new FrameDecoder(WireFormat.MAX_CLIENT_FRAME, false));
        p.addLast("control", new ControlCodec());
        p.addLast("handshake", new HandshakeHandler(ctx));
    }
}
