package teefs.broadcast.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Corks the TCP socket (TCP_CORK) while a flush writes, and uncorks it after. A RECORDS frame with side-file data
 * goes out as small buffers (each record's head and padding, 40 to 56 bytes) between file regions (its data, sent
 * with sendfile); under TCP_NODELAY every small buffer would leave as a packet of its own, which both ends pay for
 * in full (on loopback the sender's thread also runs the receiver's TCP input for it). Corked, the kernel packs them
 * with the data into full segments; uncorking sends what is left at once, so nothing waits for a timer. What a flush
 * could not write (the socket's buffer was full) goes out later, uncorked.
 *
 * <p>Measured with bench/broadcast (one client, TCP, passes alternating in one JVM on a loaded machine): with it
 * 6 of 6 passes faster, CPU per GB of all broadcast threads 0.74 -> 0.59 (median). Off with
 * {@code -Dteefs.broadcast.cork=false}.
 *
 * <p>Only on epoll TCP channels without TLS (NIO has no TCP_CORK; a Unix socket has no segments; TLS sends no file
 * regions). First outbound handler of the pipeline; runs on the channel's event loop; keeps no state.
 */
@ChannelHandler.Sharable
final class CorkingFlush extends ChannelOutboundHandlerAdapter {
    static final CorkingFlush INSTANCE = new CorkingFlush();
    static final String ENABLED_PROP_NAME = "teefs.broadcast.cork";

    private CorkingFlush() {
    }

    /**
     * Whether {@code channel} (a plain, not TLS, connection) gets this handler: only when it sends side data as file
     * regions ({@link BroadcastConfig#sendsFileRegions}); otherwise a flush writes whole batches, and corking them
     * only costs two system calls (with copied batches, passes were faster without it in 4 of 5 pairs).
     */
    static boolean appliesTo(Channel channel, BroadcastConfig config) {
        return channel instanceof EpollSocketChannel && config.sendsFileRegions(true)
                && !"false".equals(System.getProperty(ENABLED_PROP_NAME));
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        EpollSocketChannel ch = (EpollSocketChannel) ctx.channel();
        if (!ch.isActive()) {
            ctx.flush();
            return;
        }
        ch.config().setTcpCork(true);
        try {
            ctx.flush();
        } finally {
            if (ch.isOpen()) {
                ch.config().setTcpCork(false);
            }
        }
    }
}
