package teefs.broadcast.server;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.net.Transport;
import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

/**
 * A Prometheus text endpoint ({@code GET /metrics}) with the figures of {@code teefs status}. Plain HTTP: it is
 * meant for loopback (the config refuses a non-local address without TLS).
 *
 * <p>Requests arrive on the server's event loops; reports are built on its housekeeping thread.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final Channel channel;
    private final ListenAddress address;

    private MetricsEndpoint(Channel channel, ListenAddress address) {
        this.channel = channel;
        this.address = address;
    }

    static MetricsEndpoint start(ServerContext ctx, EventLoopGroup boss, EventLoopGroup io) {
        ListenAddress a = ctx.config.metrics();
        Channel ch = new ServerBootstrap().group(boss, io).channel(Transport.serverChannel(a))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(8192),
                                new Handler(ctx));
                    }
                }).bind(a.socketAddress()).syncUninterruptibly().channel();
        ListenAddress actual = ch.localAddress() instanceof InetSocketAddress inet ? a.withPort(inet.getPort()) : a;
        return new MetricsEndpoint(ch, actual);
    }

    ListenAddress address() {
        return address;
    }

    /** The Prometheus text exposition of a status reply. */
    static String render(StatusReply s) {
        StringBuilder b = new StringBuilder(1024);
        gauge(b, "teefs_broadcast_head_index", "Index of the newest record in the queue", null, s.getHeadIndex());
        gauge(b, "teefs_broadcast_first_index", "Index of the oldest retained record", null, s.getFirstIndex());
        gauge(b, "teefs_broadcast_retained_bytes", "Bytes of queue cycle files on disk", null, s.getRetainedBytes());
        gauge(b, "teefs_broadcast_clients_connected", "Clients connected now", null,
                s.getClientsList().stream().filter(ClientStatus::getConnected).count());
        String[][] series = {
            {"teefs_broadcast_client_connected", "1 when the client is connected"},
            {"teefs_broadcast_client_acked_index", "Last index the client acked"},
            {"teefs_broadcast_client_lag_records", "Records after the acked index up to the head"},
            {"teefs_broadcast_client_lag_bytes", "Bytes after the acked index up to the head"},
            {"teefs_broadcast_client_lag_seconds", "Seconds since the client's ack last reached the head"},
            {"teefs_broadcast_client_connected_since_seconds", "Unix time the connection started"},
            {"teefs_broadcast_client_retention_warning", "1 when retention is about to drop what the client needs"},
            {"teefs_broadcast_client_holding_back_bytes", "Bytes retention would trim if the client were forgotten"},
        };
        for (int i = 0; i < series.length; i++) {
            b.append("# HELP ").append(series[i][0]).append(' ').append(series[i][1]).append('\n');
            b.append("# TYPE ").append(series[i][0]).append(" gauge\n");
            for (ClientStatus c : s.getClientsList()) {
                String labels = "{client=\"" + c.getName() + "\",address=\"" + escape(c.getAddress()) + "\"}";
                double v = switch (i) {
                    case 0 -> c.getConnected() ? 1 : 0;
                    case 1 -> c.getAckedIndex();
                    case 2 -> c.getLagRecords();
                    case 3 -> c.getLagBytes();
                    case 4 -> c.getLagSeconds();
                    case 5 -> c.getConnectedSinceUnixMillis() / 1000.0;
                    case 6 -> c.getRetentionWarning() ? 1 : 0;
                    default -> c.getHoldingBackBytes();
                };
                b.append(series[i][0]).append(labels).append(' ').append(format(v)).append('\n');
            }
        }
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, double value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append(labels == null ? "" : labels).append(' ').append(format(value)).append('\n');
    }

    private static String format(double v) {
        // indexes are below 2^53 (cycle << 32 | sequence), so a double holds them exactly
        return v == Math.rint(v) && Math.abs(v) < 0x1p53 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ServerContext ctx;

        Handler(ServerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext c, FullHttpRequest request) {
            if (request.uri().equals("/metrics") || request.uri().equals("/")) {
                // the report is built on the housekeeping thread, not on this event loop, which also serves mirrors
                try {
                    ctx.housekeeping.execute(() -> {
                        byte[] body = render(StatusReporter.report(ctx)).getBytes(StandardCharsets.UTF_8);
                        FullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                Unpooled.wrappedBuffer(body));
                        ok.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                        reply(c, ok);
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    reply(c, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE,
                            Unpooled.copiedBuffer("the server is shutting down\n", StandardCharsets.UTF_8)));
                }
            } else {
                reply(c, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                        Unpooled.copiedBuffer("try /metrics\n", StandardCharsets.UTF_8)));
            }
        }

        private static void reply(ChannelHandlerContext c, FullHttpResponse response) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            c.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
