package teefs.broadcast.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

class BatchBuffersTest {
    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);

    @Test
    void aBufferReleasedByItsWriterIsHandedOutAgainCleared() {
        try (BatchBuffers buffers = new BatchBuffers(alloc, 1024, 4)) {
            ByteBuf first = buffers.take(100);
            first.writeLong(42);
            first.release(); // what the channel does after the socket write
            ByteBuf second = buffers.take(100);
            assertThat(second).isSameAs(first);
            assertThat(second.readableBytes()).isZero();
            assertThat(second.refCnt()).isEqualTo(2);
            second.release();
            assertThat(buffers.size()).isEqualTo(1);
        }
    }

    @Test
    void buffersStillInFlightAreNeverReusedAndTheRingStopsGrowingAtItsBound() {
        try (BatchBuffers buffers = new BatchBuffers(alloc, 1024, 2)) {
            ByteBuf a = buffers.take(1024);
            ByteBuf b = buffers.take(1024);
            ByteBuf c = buffers.take(1024);
            assertThat(a).isNotSameAs(b);
            assertThat(c).isNotSameAs(a).isNotSameAs(b);
            assertThat(buffers.size()).isEqualTo(2);
            assertThat(c.refCnt()).isEqualTo(1); // outside the ring: its holder frees it
            b.release();
            assertThat(buffers.take(10)).isSameAs(b);
            a.release();
            b.release();
            c.release();
        }
    }

    @Test
    void aRequestLargerThanTheRingsBuffersGetsAPlainBuffer() {
        try (BatchBuffers buffers = new BatchBuffers(alloc, 1024, 2)) {
            ByteBuf big = buffers.take(4096);
            assertThat(big.capacity()).isGreaterThanOrEqualTo(4096);
            assertThat(buffers.size()).isZero();
            big.release();
            assertThat(big.refCnt()).isZero();
        }
    }

    @Test
    void closingTheRingFreesIdleBuffersAndLeavesInFlightOnesToTheirHolder() {
        BatchBuffers buffers = new BatchBuffers(alloc, 1024, 2);
        ByteBuf idle = buffers.take(10);
        ByteBuf inFlight = buffers.take(10);
        idle.release();
        buffers.close();
        assertThat(idle.refCnt()).isZero();
        assertThat(inFlight.refCnt()).isEqualTo(1);
        inFlight.release();
        assertThat(inFlight.refCnt()).isZero();
    }
}
