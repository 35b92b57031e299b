package teefs.broadcast.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import teefs.broadcast.net.Transport;
import teefs.broadcast.wire.ControlCodec;
import teefs.broadcast.wire.FrameDecoder;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Ack;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.Welcome;

/**
 * One connection to a broadcast server: connect, Hello, Welcome (or a typed {@link RefusedException}), then records
 * to a {@link RecordListener} in order, acks back, heartbeats both ways. The mirror wraps it in its own reconnect
 * loop: on {@link RecordListener#onClosed} it connects again with {@code resumeAfter(lastApplied)}.
 *
 * <pre>{@code
 * try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address("unix:/run/teefs/teefs.sock")
 *         .name("disk1").queueId(savedQueueId).resumeAfter(savedIndex), listener)) {
 *     ... listener applies records; after making them durable: c.ack(index);
 *     c.awaitClosed();
 * }
 * }</pre>
 *
 * <p>Thread-safety: {@link #ack}, {@link #close} and the getters may be called from any thread; the listener runs
 * on the connection's event loop.
 */
public final class BroadcastClient implements AutoCloseable {
    private final Channel channel;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ClientHandler handler;
    private final Welcome welcome;

    private BroadcastClient(Channel channel, EventLoopGroup group, boolean ownsGroup, ClientHandler handler, Welcome welcome) {
        this.channel = channel;
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.handler = handler;
        this.welcome = welcome;
    }

    /** Connects with an event loop of its own (closed with the client). */
    public static BroadcastClient connect(ClientOptions options, RecordListener listener) {
        EventLoopGroup group = Transport.group(1, "teefs-client-" + options.name());
        try {
            return connect(options, listener, group, true);
        } catch (RuntimeException e) {
            // waited for, as close() does: a connection given up here must not deliver a record after this returns
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Connects on a shared event loop group (the caller closes it). */
    public static BroadcastClient connect(ClientOptions options, RecordListener listener, EventLoopGroup group) {
        return connect(options, listener, group, false);
    }

    private static BroadcastClient connect(ClientOptions options, RecordListener listener, EventLoopGroup group,
                                           boolean ownsGroup) {
        options.validate();
        SslContext ssl = options.usesTls() ? options.tls().context() : null;
        CompletableFuture<Welcome> welcome = new CompletableFuture<>();
        ClientHandler handler = new ClientHandler(options, listener, welcome);
        FrameDecoder framing = new FrameDecoder(WireFormat.MAX_SERVER_FRAME, true);
        Bootstrap b = new Bootstrap().group(group).channel(Transport.clientChannel(options.address()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), options.address().host(),
                                    options.address().port()));
                        }
                        ch.pipeline().addLast("idle", new IdleStateHandler(options.idleTimeout().toMillis(),
                                options.heartbeatInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("framing", framing);
                        ch.pipeline().addLast("control", new ControlCodec());
                        ch.pipeline().addLast("client", handler);
                    }
                });
        if (!options.address().isUnix()) {
            b.option(ChannelOption.TCP_NODELAY, true);
        }
        if (ssl == null) {
            // the framing sees the socket's bytes: let the socket read large frames straight into their buffers
            b.option(ChannelOption.RCVBUF_ALLOCATOR, framing.directReads());
        }
        ChannelFuture connected = b.connect(options.address().socketAddress());
        if (!connected.awaitUninterruptibly(options.connectTimeout().toMillis() + 1000) || !connected.isSuccess()) {
            connected.channel().close();
            Throwable cause = connected.cause();
            throw new BroadcastClientException("cannot connect to " + options.address() + ": "
                    + options.address().whyUnreachable(cause) + " (is 'teefs broadcast' running there?)", cause);
        }
        Channel channel = connected.channel();
        try {
            Welcome w = welcome.get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return new BroadcastClient(channel, group, ownsGroup, handler, w);
        } catch (ExecutionException e) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (e.getCause() instanceof BroadcastClientException bce) {
                throw bce;
            }
            throw new BroadcastClientException("handshake with " + options.address() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw new BroadcastClientException("no welcome from " + options.address() + " within "
                    + options.connectTimeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            Thread.currentThread().interrupt();
            throw new BroadcastClientException("interrupted while connecting to " + options.address());
        }
    }

    /** What the server said on connecting: queue id, retained window, head. */
    public Welcome welcome() {
        return welcome;
    }

    /** Tells the server every record up to {@code index} is durably applied (it persists this for retention). */
    public void ack(long index) {
        channel.writeAndFlush(Envelope.newBuilder().setAck(Ack.newBuilder().setAppliedIndex(index)).build(),
                channel.voidPromise());
    }

    /** Index of the last record handed to the listener, -1 before any. */
    public long lastDeliveredIndex() {
        return handler.lastIndex();
    }

    /** The server's head index as of its last welcome or heartbeat. */
    public long serverHeadIndex() {
        return handler.headIndex();
    }

    public boolean isConnected() {
        return channel.isActive();
    }

    /** Why the connection ended, or null while it is up. */
    public Throwable closeCause() {
        return channel.isActive() ? null : handler.closeCause();
    }

    /** Blocks until the connection ends; false on timeout. */
    public boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
        return channel.closeFuture().await(timeout, unit);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
