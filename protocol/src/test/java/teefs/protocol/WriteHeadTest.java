package teefs.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The zero-copy WRITE paths: {@code writeHead} (head apart from the data) and {@code writeHeaderOnly + finishCrc}. */
class WriteHeadTest {

    /** Data in native memory, seen through an UnsafeBuffer over its raw address, as a FUSE write buffer is. */
    private static UnsafeBuffer nativeData(ByteBuffer owner, int length, int seed) {
        UnsafeBuffer data = new UnsafeBuffer(BufferUtil.address(owner) + 5, length); // odd offset: unaligned
        for (int i = 0; i < length; i++) {
            data.putByte(i, (byte) (i * seed + 3));
        }
        return data;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 4096, 131072, RecordEncoder.MAX_WRITE_DATA})
    void headCrcCoversDataAndPaddingReadInPlace(int dataLength) throws Exception {
        ByteBuffer owner = ByteBuffer.allocateDirect(dataLength + 16);
        UnsafeBuffer data = nativeData(owner, dataLength, 13);
        assertThat(data.byteArray()).isNull();

        UnsafeBuffer scratch = new UnsafeBuffer(new byte[64]);
        RecordEncoder encoder = new RecordEncoder().wrap(scratch, 8);
        int head = encoder.writeHead(42, 1L << 35, 1_700_000_000L, 999_999_999L, data, 0, dataLength);
        assertThat(head).isEqualTo(RecordEncoder.WRITE_HEAD_LENGTH).isEqualTo(40);
        int padding = RecordEncoder.paddingFor(head + dataLength);
        assertThat((head + dataLength + padding) % 16).isZero();
        assertThat(padding).isBetween(0, 15);

        // assemble the frame the way JournalAppender does: head + body + zero padding
        int frameLength = head + dataLength + padding;
        assertThat(frameLength).isEqualTo(RecordEncoder.writeFrameLength(dataLength));
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(frameLength));
        frame.putBytes(0, scratch, 8, head);
        frame.putBytes(head, data, 0, dataLength);
        frame.setMemory(head + dataLength, padding, (byte) 0);

        RecordDecoder decoder = new RecordDecoder();
        assertThat(decoder.wrap(frame, 0, frameLength)).isEqualTo(frameLength);
        assertThat(decoder.type()).isEqualTo(RecordType.WRITE);
        assertThat(decoder.handle()).isEqualTo(42);
        assertThat(decoder.offset()).isEqualTo(1L << 35);
        assertThat(decoder.mtimeSec()).isEqualTo(1_700_000_000L);
        assertThat(decoder.mtimeNsec()).isEqualTo(999_999_999L);
        assertThat(decoder.dataLength()).isEqualTo(dataLength);
        for (int i = 0; i < dataLength; i += 997) {
            assertThat(frame.getByte(decoder.dataOffset() + i)).isEqualTo(data.getByte(i));
        }

        // and it is byte for byte what the copying encoder makes
        UnsafeBuffer copied = new UnsafeBuffer(new byte[frameLength]);
        assertThat(new RecordEncoder().wrap(copied, 0)
                .write(42, 1L << 35, 1_700_000_000L, 999_999_999L, data, 0, dataLength)).isEqualTo(frameLength);
        byte[] assembled = new byte[frameLength];
        frame.getBytes(0, assembled);
        assertThat(assembled).isEqualTo(copied.byteArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 4096, 131072})
    void headCrcIsWrongWhenTheDataChangesAfterwards(int dataLength) {
        ByteBuffer owner = ByteBuffer.allocateDirect(dataLength + 16);
        UnsafeBuffer data = nativeData(owner, dataLength, 7);
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[40]);
        int head = new RecordEncoder().wrap(scratch, 0).writeHead(1, 0, 0, 0, data, 0, dataLength);
        int frameLength = RecordEncoder.writeFrameLength(dataLength);
        UnsafeBuffer frame = new UnsafeBuffer(new byte[frameLength]);
        frame.putBytes(0, scratch, 0, head);
        frame.putBytes(head, data, 0, dataLength);
        int flip = dataLength == 0 ? head - 1 : head + dataLength / 2;
        frame.putByte(flip, (byte) (frame.getByte(flip) ^ 0x10));
        assertThatThrownBy(() -> new RecordDecoder().wrap(frame, 0, frameLength))
                .isInstanceOf(MalformedRecordException.class)
                .extracting(e -> ((MalformedRecordException) e).reason())
                .isEqualTo(MalformedRecordException.Reason.BAD_CRC);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, 4096, 65537})
    void headerOnlyThenCopyThenFinishCrc(int dataLength) throws Exception {
        UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordEncoder.writeFrameLength(dataLength) + 32));
        frame.setMemory(0, frame.capacity(), (byte) 0x77); // dirty: padding must still come out zero
        RecordEncoder encoder = new RecordEncoder().wrap(frame, 16);
        int frameLength = encoder.writeHeaderOnly(9, 512, 10, 20, dataLength);
        assertThat(frameLength).isEqualTo(RecordEncoder.writeFrameLength(dataLength));
        assertThat(encoder.writeDataOffset()).isEqualTo(16 + 40);

        ByteBuffer owner = ByteBuffer.allocateDirect(dataLength + 16);
        UnsafeBuffer data = nativeData(owner, dataLength, 11);
        frame.putBytes(encoder.writeDataOffset(), data, 0, dataLength);
        assertThat(encoder.finishCrc()).isEqualTo(frameLength);

        RecordDecoder decoder = new RecordDecoder();
        assertThat(decoder.wrap(frame, 16, frameLength)).isEqualTo(frameLength);
        assertThat(decoder.handle()).isEqualTo(9);
        assertThat(decoder.offset()).isEqualTo(512);
        assertThat(decoder.dataLength()).isEqualTo(dataLength);

        assertThatThrownBy(encoder::finishCrc).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, RecordEncoder.MAX_WRITE_DATA + 1})
    void headRefusesImpossibleDataLengths(int dataLength) {
        RecordEncoder encoder = new RecordEncoder().wrap(new UnsafeBuffer(new byte[64]), 0);
        UnsafeBuffer data = new UnsafeBuffer(new byte[16]);
        assertThatThrownBy(() -> encoder.writeHead(1, 0, 0, 0, data, 0, dataLength))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> encoder.writeHeaderOnly(1, 0, 0, 0, dataLength))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
