package teefs.broadcast.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslContext;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.net.Transport;
import teefs.broadcast.wire.ControlCodec;
import teefs.broadcast.wire.FrameDecoder;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.StatusReply;
import teefs.protocol.control.StatusRequest;

/** Asks a server for its status (what {@code teefs status --server ADDR} prints): one request, one reply. */
public final class StatusClient {
    private StatusClient() {
    }

    public static StatusReply fetch(ListenAddress address, String credential, java.nio.file.Path tlsTrust, long timeoutMillis) {
        ClientOptions o = new ClientOptions().address(address).tlsTrust(tlsTrust);
        SslContext ssl = o.tls() ? BroadcastClient.clientSsl(o) : null;
        EventLoopGroup group = Transport.group(1, "teefs-status");
        CompletableFuture<StatusReply> reply = new CompletableFuture<>();
        try {
            Channel ch = new Bootstrap().group(group).channel(Transport.clientChannel(address))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            if (ssl != null) {
                                c.pipeline().addLast(ssl.newHandler(c.alloc(), address.host(), address.port()));
                            }
                            c.pipeline().addLast(new FrameDecoder(WireFormat.MAX_SERVER_FRAME, false), new ControlCodec(),
                                    new SimpleChannelInboundHandler<Envelope>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Envelope e) {
                                            if (e.hasStatusReply()) {
                                                reply.complete(e.getStatusReply());
                                            } else if (e.hasRefusal()) {
                                                reply.completeExceptionally(new RefusedException(address.toString(),
                                                        e.getRefusal().getCode(), e.getRefusal().getMessage(), -1, -1));
                                            }
                                            ctx.close();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            reply.completeExceptionally(cause);
                                            ctx.close();
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            reply.completeExceptionally(new BroadcastClientException(
                                                    address + " closed the connection without a status reply"));
                                        }
                                    });
                        }
                    }).connect(address.socketAddress()).syncUninterruptibly().channel();
            ch.writeAndFlush(Envelope.newBuilder().setStatusRequest(StatusRequest.newBuilder()
                    .setProtocolVersion(WireFormat.PROTOCOL_VERSION).setCredential(credential == null ? "" : credential)).build());
            return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof BroadcastClientException b) {
                throw b;
            }
            throw new BroadcastClientException("status from " + address + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new BroadcastClientException("cannot get status from " + address + ": " + e.getMessage()
                    + " (is 'teefs broadcast' running there?)", e);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
