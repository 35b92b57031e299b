package teefs.broadcast.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import teefs.broadcast.net.Transport;
import teefs.broadcast.wire.ControlCodec;
import teefs.broadcast.wire.FrameDecoder;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;

/**
 * One control request, one reply, then the server closes: what {@code teefs status} and {@code teefs forget} do.
 * A Refusal becomes a {@link RefusedException}, a TLS problem a {@link ClientTlsException}; either names the address.
 *
 * <p>Blocking. The event loop is one daemon thread shared by every exchange of the process, made at the first: {@code
 * teefs up} asks for status every 500 ms, and a group of its own per request (a thread, an epoll and an eventfd made
 * and shut down each time) was most of its supervisor's CPU.
 */
final class ControlExchange {
    private ControlExchange() {
    }

    private static final class Shared {
        static final EventLoopGroup GROUP = Transport.group(1, "teefs-control");
    }

    /** Sends {@code request} (with TLS per {@code options}) and returns the server's one reply. */
    static Envelope exchange(ClientOptions options, Envelope request, long timeoutMillis) {
        ClientOptions.requireSecureTransport(options.address(), options.tls());
        SslContext ssl = options.usesTls() ? options.tls().context() : null;
        EventLoopGroup group = Shared.GROUP;
        CompletableFuture<Envelope> reply = new CompletableFuture<>();
        String address = options.address().toString();
        Channel ch = null;
        try {
            ch = new Bootstrap().group(group).channel(Transport.clientChannel(options.address()))
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            if (ssl != null) {
                                c.pipeline().addLast(ssl.newHandler(c.alloc(), options.address().host(),
                                        options.address().port()));
                            }
                            c.pipeline().addLast(new FrameDecoder(WireFormat.MAX_SERVER_FRAME, false), new ControlCodec(),
                                    new SimpleChannelInboundHandler<Envelope>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Envelope e) {
                                            if (e.hasRefusal()) {
                                                reply.completeExceptionally(new RefusedException(address,
                                                        e.getRefusal().getCode(), e.getRefusal().getMessage(),
                                                        e.getRefusal().getFirstIndex(), e.getRefusal().getHeadIndex()));
                                            } else {
                                                reply.complete(e);
                                            }
                                            ctx.close();
                                        }

                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof SslHandshakeCompletionEvent h && !h.isSuccess()) {
                                                failed(h.cause());
                                                ctx.close();
                                            }
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            failed(cause);
                                            ctx.close();
                                        }

                                        private void failed(Throwable cause) {
                                            ClientTlsException tls = ClientTlsException.classify(cause, options);
                                            reply.completeExceptionally(tls != null ? tls : cause);
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            reply.completeExceptionally(new BroadcastClientException(address
                                                    + " closed the connection without a reply" + (options.usesTls()
                                                    ? " (if it requires a client certificate, pass --client-cert and "
                                                    + "--client-key; its log says why)" : options.address().isUnix() ? ""
                                                    : " (if it uses TLS on this address, pass --server-cert FILE; its "
                                                    + "log says why)")));
                                        }
                                    });
                        }
                    }).connect(options.address().socketAddress()).syncUninterruptibly().channel();
            ch.writeAndFlush(request);
            return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BroadcastClientException b) {
                throw b;
            }
            throw new BroadcastClientException("request to " + address + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new BroadcastClientException("no reply from " + address + " within " + timeoutMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BroadcastClientException("interrupted while waiting for " + address, e);
        } catch (BroadcastClientException e) {
            throw e;
        } catch (Exception e) {
            throw new BroadcastClientException("cannot connect to " + address + ": " + options.address()
                    .whyUnreachable(e) + " (is 'teefs broadcast' running there?)", e);
        } finally {
            if (ch != null) {
                ch.close(); // the group is shared: a reply that never came must not leave its connection open
            }
        }
    }
}
