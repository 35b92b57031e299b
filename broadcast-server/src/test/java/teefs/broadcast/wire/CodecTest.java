package teefs.broadcast.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import teefs.protocol.RecordEncoder;
import teefs.protocol.control.Ack;
import teefs.protocol.control.Envelope;

class CodecTest {
    private static EmbeddedChannel server() {
        return new EmbeddedChannel(new FrameDecoder(WireFormat.MAX_CLIENT_FRAME, false), new ControlCodec());
    }

    @Test
    void controlMessagesRoundTripAcrossArbitrarySplits() throws Exception {
        Envelope ack = Envelope.newBuilder().setAck(Ack.newBuilder().setAppliedIndex(123456789L)).build();
        ByteBuf encoded = ControlCodec.encode(Unpooled.buffer().alloc(), ack);
        byte[] bytes = new byte[encoded.readableBytes()];
        encoded.readBytes(bytes);
        encoded.release();
        EmbeddedChannel ch = server();
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        Envelope got = ch.readInbound();
        assertThat(got).isEqualTo(ack);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void encoderWritesLengthKindBody() {
        EmbeddedChannel ch = server();
        Envelope ack = Envelope.newBuilder().setAck(Ack.newBuilder().setAppliedIndex(1)).build();
        ch.writeOutbound(ack);
        ByteBuf out = ch.readOutbound();
        assertThat(out.getInt(0)).isEqualTo(1 + ack.getSerializedSize());
        assertThat(out.getByte(4)).isEqualTo(WireFormat.KIND_CONTROL);
        assertThat(out.release()).isTrue();
    }

    @Test
    void oversizedLengthIsRefusedBeforeTheBodyArrives() {
        EmbeddedChannel ch = server();
        ByteBuf in = Unpooled.buffer().writeInt(WireFormat.MAX_CLIENT_FRAME + 1);
        assertThatThrownBy(() -> ch.writeInbound(in))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.reason()).isEqualTo(WireException.Reason.OVERSIZED_FRAME));
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void unknownKindAndEmptyFrameAndRecordsFromAClientAreRefused() {
        assertThatThrownBy(() -> server().writeInbound(Unpooled.buffer().writeInt(2).writeByte(9).writeByte(0)))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.reason()).isEqualTo(WireException.Reason.UNKNOWN_KIND));
        assertThatThrownBy(() -> server().writeInbound(Unpooled.buffer().writeInt(0).writeByte(1)))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.reason()).isEqualTo(WireException.Reason.EMPTY_FRAME));
        assertThatThrownBy(() -> server().writeInbound(Unpooled.buffer().writeInt(13).writeByte(2)))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.reason()).isEqualTo(WireException.Reason.UNEXPECTED_RECORDS));
    }

    @Test
    void garbageInsideAControlFrameIsRefused() {
        ByteBuf in = Unpooled.buffer().writeInt(5).writeByte(1).writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertThatThrownBy(() -> server().writeInbound(in))
                .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.reason()).isEqualTo(WireException.Reason.BAD_CONTROL_MESSAGE));
    }

    @Test
    void batchWriterCopiesFramesAsIsAndSplitsAtGapsAndBudget() {
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN));
        RecordEncoder enc = new RecordEncoder().wrap(frame, 0);
        int len = enc.write(3, 42, 1, 2, new byte[1000]);
        List<ByteBuf> out = new ArrayList<>();
        try (RecordBatchWriter w = new RecordBatchWriter(PooledByteBufAllocator.DEFAULT, 4096, f -> out.add(f.single()))) {
            w.accept(10, frame, 0, len);
            w.accept(11, frame, 0, len);
            w.accept(20, frame, 0, len); // a gap (new cycle): new batch
            for (long i = 21; i < 27; i++) {
                w.accept(i, frame, 0, len);
            }
            w.flush();
        }
        assertThat(out).hasSize(3);
        ByteBuf first = out.get(0);
        assertThat(first.getInt(0)).isEqualTo(first.readableBytes() - 4);
        assertThat(first.getByte(4)).isEqualTo(WireFormat.KIND_RECORDS);
        assertThat(first.getLong(5)).isEqualTo(10);
        assertThat(first.getInt(13)).isEqualTo(2);
        for (int i = 0; i < len; i++) {
            assertThat(first.getByte(WireFormat.HEADER + WireFormat.RECORDS_PREFIX + i)).isEqualTo(frame.getByte(i));
        }
        assertThat(out.get(1).getLong(5)).isEqualTo(20);
        assertThat(out.get(1).getInt(13)).isEqualTo(4); // 4 x 1040 bytes reach the 4096 budget
        assertThat(out.get(2).getLong(5)).isEqualTo(24);
        assertThat(out.get(2).getInt(13)).isEqualTo(3);
        out.forEach(b -> assertThat(b.release()).isTrue());
    }

    @Test
    void framesBuiltInReservedSpaceBatchExactlyLikeCopiedOnes() {
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN));
        int len = new RecordEncoder().wrap(frame, 0).write(3, 42, 1, 2, new byte[1000]);
        List<ByteBuf> copied = new ArrayList<>();
        List<ByteBuf> built = new ArrayList<>();
        try (RecordBatchWriter a = new RecordBatchWriter(PooledByteBufAllocator.DEFAULT, 4096, f -> copied.add(f.single()));
             RecordBatchWriter b = new RecordBatchWriter(PooledByteBufAllocator.DEFAULT, 4096, f -> built.add(f.single()))) {
            for (long i : new long[] {10, 11, 20, 21, 22, 23, 24, 25, 26}) {
                a.accept(i, frame, 0, len);
                if (i % 2 == 0) {
                    long address = b.reserve(i, len);
                    assertThat(address).isNotZero();
                    new UnsafeBuffer(address, len).putBytes(0, frame, 0, len); // what the queue reader does
                    b.commit(i, len);
                } else {
                    b.accept(i, frame, 0, len); // inline records still come through accept
                }
            }
            a.flush();
            b.flush();
        }
        assertThat(built).hasSameSizeAs(copied).hasSize(3);
        for (int i = 0; i < copied.size(); i++) {
            assertThat(ByteBufUtil.equals(built.get(i), copied.get(i))).as("batch %d", i).isTrue();
        }
        copied.forEach(ByteBuf::release);
        built.forEach(ByteBuf::release);
    }
}
