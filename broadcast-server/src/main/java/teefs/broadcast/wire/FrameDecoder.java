package teefs.broadcast.wire;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Splits the byte stream into {@link WireFrame}s (layout in {@link WireFormat}). Refuses, by throwing
 * {@link WireException}, as soon as a length or kind is wrong: the length is checked before any body byte is
 * buffered, so an oversized claim never costs memory. After a refusal the decoder discards everything.
 *
 * <p>Runs on the channel's event loop, like every handler of the pipeline.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameLength;
    private final boolean acceptRecords;
    private boolean failed;

    /**
     * @param maxFrameLength largest accepted value of the length field (kind + body)
     * @param acceptRecords  whether RECORDS frames are legal from this peer (true on the client side only)
     */
    public FrameDecoder(int maxFrameLength, boolean acceptRecords) {
        this.maxFrameLength = maxFrameLength;
        this.acceptRecords = acceptRecords;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < WireFormat.HEADER) {
            // refuse an oversized length as soon as its 4 bytes are in
            if (in.readableBytes() >= WireFormat.LENGTH_FIELD) {
                checkLength(in, in.getUnsignedInt(in.readerIndex()));
            }
            return;
        }
        int start = in.readerIndex();
        long length = in.getUnsignedInt(start);
        checkLength(in, length);
        byte kind = in.getByte(start + WireFormat.LENGTH_FIELD);
        if (kind == WireFormat.KIND_RECORDS && !acceptRecords) {
            fail(in, new WireException(WireException.Reason.UNEXPECTED_RECORDS, "a client may not send RECORDS frames"));
        }
        if (kind != WireFormat.KIND_CONTROL && kind != WireFormat.KIND_RECORDS) {
            fail(in, new WireException(WireException.Reason.UNKNOWN_KIND,
                    "unknown frame kind " + (kind & 0xFF) + " (not a teefs peer, or garbage)"));
        }
        if (in.readableBytes() < WireFormat.LENGTH_FIELD + length) {
            return;
        }
        in.skipBytes(WireFormat.HEADER);
        out.add(new WireFrame(kind, in.readRetainedSlice((int) length - WireFormat.KIND_FIELD)));
    }

    private void checkLength(ByteBuf in, long length) {
        if (length > maxFrameLength) {
            fail(in, new WireException(WireException.Reason.OVERSIZED_FRAME,
                    "frame of " + length + " bytes exceeds the limit of " + maxFrameLength));
        }
        if (length < WireFormat.KIND_FIELD) {
            fail(in, new WireException(WireException.Reason.EMPTY_FRAME, "frame without a kind byte"));
        }
    }

    /** Refuses: drops what is buffered (so nothing is held) and throws; the handler closes the channel. */
    private void fail(ByteBuf in, WireException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw e;
    }
}
