package teefs.broadcast.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * Sizes outbound messages for the channel's write-buffer water marks, counting a {@link FileRegion} as the bytes it
 * will send. Netty's default counts a region as 0, so a pump would see a channel to a stalled client as writable
 * forever and queue regions without bound (a few dozen bytes of heap and a file reference each). Counted, a stalled
 * client holds at most about one high-water mark of outbound bytes, as with copied records, most of it now in the
 * page cache rather than in buffers.
 *
 * <p>Stateless; one instance serves every channel.
 */
public final class WireSizeEstimator implements MessageSizeEstimator, MessageSizeEstimator.Handle {
    public static final WireSizeEstimator INSTANCE = new WireSizeEstimator();
    /** What an unknown message (a protobuf Envelope before its encoder) counts: as Netty's default. */
    private static final int UNKNOWN_SIZE = 8;

    private WireSizeEstimator() {
    }

    @Override
    public Handle newHandle() {
        return this;
    }

    @Override
    public int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof FileRegion r) {
            return (int) Math.min(Integer.MAX_VALUE, r.count() - r.transferred());
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        return UNKNOWN_SIZE;
    }
}
