package teefs.broadcast.wire;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;

/**
 * One finished RECORDS frame ({@link WireFormat}) as the parts it is sent in, in order: buffers (outer header, batch
 * prefix, inline records, the heads and padding of side-data records) and {@link FileRegion}s (side-data records'
 * data, sent with sendfile). A frame of inline records only is a single buffer.
 *
 * <p>Owns its parts until {@link #writeTo} hands them to a channel or {@link #release} frees them.
 */
public final class RecordsFrame {
    private final long firstIndex;
    private final int count;
    private final long recordBytes;
    private final List<Object> parts;

    RecordsFrame(long firstIndex, int count, long recordBytes, List<Object> parts) {
        this.firstIndex = firstIndex;
        this.count = count;
        this.recordBytes = recordBytes;
        this.parts = parts;
    }

    public long firstIndex() {
        return firstIndex;
    }

    public long lastIndex() {
        return firstIndex + count - 1;
    }

    public int count() {
        return count;
    }

    /** Bytes of record frames (the frame without its outer header and batch prefix). */
    public long recordBytes() {
        return recordBytes;
    }

    /** The parts: {@link ByteBuf}s and {@link FileRegion}s. */
    public List<Object> parts() {
        return parts;
    }

    /** The frame as one buffer, when it is one (no side-data region); else null. */
    public ByteBuf single() {
        return parts.size() == 1 && parts.get(0) instanceof ByteBuf b ? b : null;
    }

    /** Writes every part and flushes; the channel owns them from then on. Any thread. */
    public void writeTo(Channel channel) {
        int last = parts.size() - 1;
        for (int i = 0; i < last; i++) {
            channel.write(parts.get(i), channel.voidPromise());
        }
        channel.writeAndFlush(parts.get(last), channel.voidPromise());
    }

    /** Frees the parts (a frame that will not be sent). */
    public void release() {
        parts.forEach(ReferenceCountUtil::release);
    }
}
