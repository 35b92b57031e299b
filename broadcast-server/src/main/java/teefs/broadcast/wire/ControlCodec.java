package teefs.broadcast.wire;

import java.util.List;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;

import teefs.protocol.control.Envelope;

/**
 * CONTROL frames ⇄ {@link Envelope}. Inbound RECORDS frames pass through untouched (the next handler owns them);
 * outbound, only Envelopes are encoded here: record batches are written as ready-made frames
 * ({@link RecordBatchWriter}) and pass through.
 *
 * <p>Runs on the channel's event loop.
 */
public final class ControlCodec extends MessageToMessageCodec<WireFrame, Envelope> {
    @Override
    protected void encode(ChannelHandlerContext ctx, Envelope msg, List<Object> out) throws Exception {
        out.add(encode(ctx.alloc(), msg));
    }

    /** One complete CONTROL frame for {@code msg}. */
    public static ByteBuf encode(io.netty.buffer.ByteBufAllocator alloc, Envelope msg) throws java.io.IOException {
        int size = msg.getSerializedSize();
        ByteBuf buf = alloc.buffer(WireFormat.HEADER + size);
        try {
            buf.writeInt(WireFormat.KIND_FIELD + size);
            buf.writeByte(WireFormat.KIND_CONTROL);
            int at = buf.writerIndex();
            CodedOutputStream cos = CodedOutputStream.newInstance(buf.nioBuffer(at, size));
            msg.writeTo(cos);
            cos.checkNoSpaceLeft();
            buf.writerIndex(at + size);
            return buf;
        } catch (java.io.IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WireFrame frame, List<Object> out) {
        if (frame.kind() != WireFormat.KIND_CONTROL) {
            out.add(frame.retain());
            return;
        }
        try (ByteBufInputStream in = new ByteBufInputStream(frame.content())) {
            out.add(Envelope.parseFrom(in));
        } catch (InvalidProtocolBufferException e) {
            throw new WireException(WireException.Reason.BAD_CONTROL_MESSAGE,
                    "control frame is not a valid Envelope: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new WireException(WireException.Reason.BAD_CONTROL_MESSAGE, e.toString(), e);
        }
    }
}
