package teefs.broadcast.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The framing without a socket: frames split anywhere come out whole and byte-identical, whether the bytes arrive
 * in buffers of their own (behind TLS) or the decoder chooses where the socket reads ({@link FrameDecoder#directReads}),
 * and in the second case a large frame is read into its own buffer rather than copied.
 */
class FrameDecoderTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** A stream of frames: RECORDS bodies of assorted sizes (some far larger than a read) and small CONTROL ones. */
    private static List<byte[]> bodies(Random random) {
        List<byte[]> bodies = new ArrayList<>();
        int[] sizes = {12, 300_000, 1, 5, 70_000, 16 * 1024 - 5, 16 * 1024, 2_000_000, 40, 17};
        for (int size : sizes) {
            byte[] b = new byte[size];
            random.nextBytes(b);
            bodies.add(b);
        }
        return bodies;
    }

    private static byte[] stream(List<byte[]> bodies) {
        ByteBuf s = Unpooled.buffer();
        for (byte[] b : bodies) {
            s.writeInt(b.length + 1).writeByte(b.length == 5 ? WireFormat.KIND_CONTROL : WireFormat.KIND_RECORDS).writeBytes(b);
        }
        return ByteBufUtil.getBytes(s);
    }

    private static void assertFrames(EmbeddedChannel ch, List<byte[]> bodies) {
        for (byte[] want : bodies) {
            WireFrame f = ch.readInbound();
            assertThat(f).isNotNull();
            assertThat(ByteBufUtil.getBytes(f.content())).isEqualTo(want);
            assertThat(f.release()).isTrue();
        }
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void framesSplitAnywhereInBuffersOfTheirOwnComeOutWhole() {
        Random random = new Random(7);
        List<byte[]> bodies = bodies(random);
        byte[] stream = stream(bodies);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(WireFormat.MAX_SERVER_FRAME, true));
        List<ByteBuf> fed = new ArrayList<>();
        for (int at = 0; at < stream.length; ) {
            int n = Math.min(stream.length - at, random.nextInt(4) == 0 ? 1 + random.nextInt(6) : 1 + random.nextInt(200_000));
            ByteBuf in = ALLOC.directBuffer(n).writeBytes(stream, at, n);
            fed.add(in);
            ch.writeInbound(in);
            at += n;
        }
        assertFrames(ch, bodies);
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void withDirectReadsTheSocketReadsALargeFrameIntoItsOwnBuffer() {
        Random random = new Random(11);
        List<byte[]> bodies = bodies(random);
        byte[] stream = stream(bodies);
        FrameDecoder decoder = new FrameDecoder(WireFormat.MAX_SERVER_FRAME, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        RecvByteBufAllocator.Handle handle = decoder.directReads().newHandle();
        handle.reset(ch.config());
        List<long[]> reads = new ArrayList<>(); // address and size of every buffer the "socket" read into
        long copied = 0;
        List<ByteBuf> fed = new ArrayList<>();
        for (int at = 0; at < stream.length; ) {
            ByteBuf target = handle.allocate(ALLOC);
            // as a socket: up to the buffer's room, sometimes less (what had arrived)
            int n = Math.min(stream.length - at, Math.min(target.writableBytes(),
                    random.nextBoolean() ? target.writableBytes() : 1 + random.nextInt(100_000)));
            reads.add(new long[] {target.memoryAddress(), target.writableBytes()});
            target.writeBytes(stream, at, n);
            fed.add(target);
            at += n;
            ch.writeInbound(target);
        }
        // every read at a frame boundary was small, so little of a large frame arrived anywhere but in its buffer
        for (byte[] want : bodies) {
            WireFrame f = ch.readInbound();
            assertThat(ByteBufUtil.getBytes(f.content())).isEqualTo(want);
            if (want.length > 100_000) {
                // its buffer holds the whole frame, length field included (memoryAddress is the buffer's start)
                long start = f.content().memoryAddress();
                long end = start + WireFormat.HEADER + want.length;
                assertThat(f.content().capacity()).isEqualTo(WireFormat.HEADER + want.length);
                long direct = reads.stream().filter(r -> r[0] >= start && r[0] + r[1] <= end).mapToLong(r -> r[1]).sum();
                assertThat(direct).as("bytes of a %d-byte frame read straight into its buffer", want.length)
                        .isGreaterThanOrEqualTo(want.length - FrameDecoder.BOUNDARY_READ_BYTES);
            }
            assertThat(f.release()).isTrue();
        }
        assertThat(reads).filteredOn(r -> r[1] > FrameDecoder.BOUNDARY_READ_BYTES).isNotEmpty();
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aPartialFrameIsReleasedWhenTheChannelCloses() {
        FrameDecoder decoder = new FrameDecoder(WireFormat.MAX_SERVER_FRAME, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ByteBuf in = ALLOC.directBuffer().writeInt(100_001).writeByte(WireFormat.KIND_RECORDS).writeBytes(new byte[50_000]);
        ch.writeInbound(in);
        long before = ALLOC.metric().usedDirectMemory();
        assertThat(ch.finish()).isFalse();
        assertThat(ALLOC.metric().usedDirectMemory()).isLessThanOrEqualTo(before);
        assertThat(in.refCnt()).isZero();
    }
}
