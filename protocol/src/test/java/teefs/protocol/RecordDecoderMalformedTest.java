package teefs.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import teefs.protocol.MalformedRecordException.Reason;

/**
 * Every way a frame can be wrong. Frames are decoded from buffers that hold exactly the bytes offered (a fresh
 * array, or an exact-size direct buffer), so a read outside {@code [offset, offset + available)} would fail with an
 * IndexOutOfBoundsException instead of the expected MalformedRecordException.
 */
class RecordDecoderMalformedTest {
    private final RecordDecoder decoder = new RecordDecoder();

    private static byte[] encode(Samples sample) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        int frame = sample.encode().applyAsInt(new RecordEncoder().wrap(buffer, 0));
        byte[] out = new byte[frame];
        buffer.getBytes(0, out);
        return out;
    }

    private static DirectBuffer exactHeap(byte[] bytes, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(bytes, 0, copy, 0, Math.min(length, bytes.length));
        return new UnsafeBuffer(copy);
    }

    private static DirectBuffer exactDirect(byte[] bytes, int length) {
        ByteBuffer direct = ByteBuffer.allocateDirect(length);
        direct.put(bytes, 0, Math.min(length, bytes.length));
        return new UnsafeBuffer(direct);
    }

    private MalformedRecordException refuse(DirectBuffer buffer, int offset, int available) {
        MalformedRecordException e = catchThrowableOfType(MalformedRecordException.class,
                () -> decoder.wrap(buffer, offset, available));
        assertThat(e).as("frame of %d bytes at %d should be refused", available, offset).isNotNull();
        assertThat(e.offset()).isEqualTo(offset);
        assertThat(e.getMessage()).contains("offset " + offset).contains(e.reason().name());
        assertThat(decoder.isWrapped()).isFalse();
        return e;
    }

    private Reason reason(byte[] frame) {
        return refuse(exactHeap(frame, frame.length), 0, frame.length).reason();
    }

    /** Recomputes the CRC, so that only the deliberate defect remains. */
    private static byte[] resign(byte[] frame) {
        UnsafeBuffer buffer = new UnsafeBuffer(frame);
        buffer.putInt(RecordHeader.CRC_OFFSET, new Crc32cDigest().frameCrc(buffer, 0, frame.length),
                RecordHeader.BYTE_ORDER);
        return frame;
    }

    private static void putInt(byte[] frame, int at, int value) {
        new UnsafeBuffer(frame).putInt(at, value, RecordHeader.BYTE_ORDER);
    }

    private static void putShort(byte[] frame, int at, int value) {
        new UnsafeBuffer(frame).putShort(at, (short) value, RecordHeader.BYTE_ORDER);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("teefs.protocol.Samples#all")
    void truncatedAtEveryLength(Samples sample) throws Exception {
        byte[] frame = encode(sample);
        for (int available = 0; available < frame.length; available++) {
            Reason expected = available < 16 ? Reason.INCOMPLETE_HEADER : Reason.TRUNCATED;
            assertThat(refuse(exactHeap(frame, available), 0, available).reason()).isEqualTo(expected);
            assertThat(refuse(exactDirect(frame, Math.max(available, 0)), 0, available).reason())
                    .isEqualTo(expected);
        }
        assertThat(decoder.wrap(exactDirect(frame, frame.length), 0, frame.length)).isEqualTo(frame.length);
        sample.check().accept(decoder);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("teefs.protocol.Samples#all")
    void everyFlippedBitIsRefused(Samples sample) {
        byte[] frame = encode(sample);
        for (int i = 0; i < frame.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = frame.clone();
                bad[i] ^= (byte) (1 << bit);
                Reason reason = refuse(exactHeap(bad, bad.length), 0, bad.length).reason();
                Set<Reason> allowed = switch (i) {
                    // a different length moves the frame's end or covered bytes
                    case 0, 1, 2, 3 -> EnumSet.of(Reason.BAD_CRC, Reason.TRUNCATED, Reason.LENGTH_TOO_LARGE,
                            Reason.LENGTH_TOO_SMALL);
                    case 4 -> EnumSet.of(Reason.BAD_CRC, Reason.UNKNOWN_TYPE);
                    case 6, 7 -> EnumSet.of(Reason.BAD_MAGIC);
                    default -> EnumSet.of(Reason.BAD_CRC);
                };
                assertThat(reason).as("bit %d of byte %d", bit, i).isIn(allowed);
            }
        }
    }

    @Test
    void lengthBounds() throws Exception {
        byte[] release = encode(Samples.all().get(RecordType.RELEASE.ordinal()));
        assertThat(release).hasSize(16);
        assertThat(decoder.wrap(exactHeap(release, 16), 0, 16)).isEqualTo(16);

        byte[] tooSmall = release.clone();
        putInt(tooSmall, 0, 15);
        assertThat(reason(resign(tooSmall))).isEqualTo(Reason.LENGTH_TOO_SMALL);
        putInt(tooSmall, 0, 0);
        assertThat(reason(resign(tooSmall))).isEqualTo(Reason.LENGTH_TOO_SMALL);

        for (int huge : new int[] {RecordHeader.MAX_RECORD_LENGTH + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            byte[] bad = release.clone();
            putInt(bad, 0, huge);
            MalformedRecordException e = refuse(exactHeap(bad, 16), 0, 16);
            assertThat(e.reason()).isEqualTo(Reason.LENGTH_TOO_LARGE);
            assertThat(e.getMessage()).contains(Integer.toUnsignedString(huge));
        }
    }

    @Test
    void maxLengthFrameIsAcceptedAndOneMoreIsNot() throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_FRAME_LENGTH + 16));
        int frame = new RecordEncoder().wrap(buffer, 0)
                .write(1, 0, 0, 0, new UnsafeBuffer(new byte[RecordEncoder.MAX_WRITE_DATA]), 0,
                        RecordEncoder.MAX_WRITE_DATA);
        assertThat(decoder.wrap(buffer, 0, frame)).isEqualTo(RecordHeader.MAX_RECORD_LENGTH);
        assertThat(refuse(buffer, 0, frame - 1).reason()).isEqualTo(Reason.TRUNCATED);
        buffer.putInt(0, RecordHeader.MAX_RECORD_LENGTH + 1, RecordHeader.BYTE_ORDER);
        assertThat(refuse(buffer, 0, buffer.capacity()).reason()).isEqualTo(Reason.LENGTH_TOO_LARGE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 22, 31, 32, 127, 255})
    void unknownTypeIsRefused(int code) {
        byte[] frame = encode(Samples.all().get(0));
        frame[RecordHeader.TYPE_OFFSET] = (byte) code;
        MalformedRecordException e = refuse(exactHeap(resign(frame), frame.length), 0, frame.length);
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TYPE);
        assertThat(e.getMessage()).contains("type code " + code);
    }

    @Test
    void badMagicIsRefusedEvenWithAGoodCrc() {
        byte[] frame = encode(Samples.all().get(0));
        putShort(frame, RecordHeader.MAGIC_OFFSET, 0xEF7E); // the big-endian spelling
        MalformedRecordException e = refuse(exactHeap(resign(frame), frame.length), 0, frame.length);
        assertThat(e.reason()).isEqualTo(Reason.BAD_MAGIC);
        assertThat(e.getMessage()).contains("0xef7e");
        assertThat(reason(new byte[64])).isEqualTo(Reason.BAD_MAGIC);
    }

    @Test
    void nonZeroPaddingIsRefusedEvenWithAGoodCrc() {
        byte[] frame = encode(Samples.all().get(RecordType.ASSOCIATE.ordinal()));
        int length = RecordHeader.length(new UnsafeBuffer(frame), 0);
        assertThat(frame.length).isGreaterThan(length);
        for (int i = length; i < frame.length; i++) {
            byte[] bad = frame.clone();
            bad[i] = 1;
            assertThat(reason(resign(bad))).isEqualTo(Reason.NON_ZERO_PADDING);
        }
    }

    @Test
    void unknownFlagsAreRefused() {
        byte[] frame = encode(Samples.all().get(RecordType.RELEASE.ordinal()));
        frame[RecordHeader.FLAGS_OFFSET] = 0x02;
        assertThat(reason(resign(frame))).isEqualTo(Reason.UNKNOWN_FLAGS);
    }

    @Test
    void aHandleOnAPathRecordIsRefused() {
        byte[] frame = encode(Samples.all().get(RecordType.MKDIR.ordinal()));
        putInt(frame, RecordHeader.HANDLE_OFFSET, 3);
        assertThat(reason(resign(frame))).isEqualTo(Reason.UNEXPECTED_HANDLE);
    }

    @Test
    void nonZeroPadFieldsAreRefused() {
        int[][] typeAndPad = {
                {RecordType.CREATE.ordinal(), 16 + 12}, {RecordType.MKNOD.ordinal(), 16 + 12},
                {RecordType.MKDIR.ordinal(), 16 + 12}, {RecordType.RENAME.ordinal(), 16 + 4},
                {RecordType.CHMOD.ordinal(), 16 + 4}, {RecordType.SETXATTR.ordinal(), 16 + 4},
                {RecordType.FALLOCATE.ordinal(), 16 + 4}, {RecordType.FSYNC.ordinal(), 16 + 4}};
        for (int[] tp : typeAndPad) {
            byte[] frame = encode(Samples.all().get(tp[0]));
            frame[tp[1] + 2] = 1;
            assertThat(reason(resign(frame))).as(Samples.all().get(tp[0]).toString())
                    .isEqualTo(Reason.NON_ZERO_RESERVED);
        }
    }

    /** A frame of {@code type} whose fixed fields are zero and whose payload is exactly {@code payload}. */
    private static byte[] frame(RecordType type, int handle, byte[] payload) {
        int length = 16 + payload.length;
        byte[] frame = new byte[RecordHeader.align16(length)];
        MutableDirectBuffer b = new UnsafeBuffer(frame);
        b.putInt(0, length, RecordHeader.BYTE_ORDER);
        b.putByte(4, (byte) type.code());
        b.putShort(6, (short) RecordHeader.MAGIC, RecordHeader.BYTE_ORDER);
        b.putInt(12, handle, RecordHeader.BYTE_ORDER);
        b.putBytes(16, payload);
        return resign(frame);
    }

    @Test
    void hostileFramesBuiltByHandBehaveAsSpecified() throws Exception {
        // sanity: the builder makes valid frames
        assertThat(decoder.wrap(exactHeap(frame(RecordType.ASSOCIATE, 1, new byte[] {1, 0, 'x'}), 32), 0, 32))
                .isEqualTo(32);
        assertThat(decoder.pathString()).isEqualTo("x");

        // fixed fields cut short
        assertThat(reason(frame(RecordType.WRITE, 1, new byte[23]))).isEqualTo(Reason.FIXED_FIELDS_TRUNCATED);
        assertThat(reason(frame(RecordType.MKNOD, 0, new byte[55]))).isEqualTo(Reason.FIXED_FIELDS_TRUNCATED);
        assertThat(reason(frame(RecordType.FSYNC, 1, new byte[0]))).isEqualTo(Reason.FIXED_FIELDS_TRUNCATED);
        // WRITE with exactly its fixed fields is an empty write
        assertThat(decoder.wrap(exactHeap(frame(RecordType.WRITE, 1, new byte[24]), 48), 0, 48)).isEqualTo(48);
        assertThat(decoder.dataLength()).isZero();

        // a str count missing or half there
        assertThat(reason(frame(RecordType.ASSOCIATE, 1, new byte[0]))).isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.ASSOCIATE, 1, new byte[1]))).isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        // a str count one past the end, and one short of it
        assertThat(reason(frame(RecordType.ASSOCIATE, 1, new byte[] {2, 0, 'x'})))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.ASSOCIATE, 1, new byte[] {(byte) 0xFF, (byte) 0xFF, 'x'})))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.ASSOCIATE, 1, new byte[] {0, 0, 'x'}))).isEqualTo(Reason.TRAILING_BYTES);
        // the second string missing, overrunning, or followed by junk
        assertThat(reason(frame(RecordType.REMOVEXATTR, 0, new byte[] {1, 0, 'x'})))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.REMOVEXATTR, 0, new byte[] {1, 0, 'x', 2, 0, 'y'})))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.REMOVEXATTR, 0, new byte[] {1, 0, 'x', 1, 0, 'y', 0})))
                .isEqualTo(Reason.TRAILING_BYTES);
        // a record with no variable fields followed by junk
        assertThat(reason(frame(RecordType.RELEASE, 1, new byte[] {0}))).isEqualTo(Reason.TRAILING_BYTES);
        assertThat(reason(frame(RecordType.FSYNC, 1, new byte[9]))).isEqualTo(Reason.TRAILING_BYTES);
    }

    @Test
    void blobCountsAreChecked() throws Exception {
        byte[] fixed = new byte[8];
        byte[] strs = {1, 0, 'p', 1, 0, 'n'};
        byte[] ok = concat(fixed, strs, new byte[] {2, 0, 0, 0, 'v', 'w'});
        assertThat(decoder.wrap(exactHeap(frame(RecordType.SETXATTR, 0, ok), 48), 0, 48)).isEqualTo(48);
        assertThat(decoder.valueBytes()).containsExactly('v', 'w');

        assertThat(reason(frame(RecordType.SETXATTR, 0, concat(fixed, strs))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.SETXATTR, 0, concat(fixed, strs, new byte[] {2, 0, 0}))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.SETXATTR, 0, concat(fixed, strs, new byte[] {3, 0, 0, 0, 'v', 'w'}))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.SETXATTR, 0,
                concat(fixed, strs, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'v'}))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.SETXATTR, 0, concat(fixed, strs, new byte[] {1, 0, 0, 0, 'v', 'w'}))))
                .isEqualTo(Reason.TRAILING_BYTES);
    }

    @Test
    void checkpointCountsAreChecked() throws Exception {
        byte[] entry = {7, 0, 0, 0, 1, 0, 'a'};
        assertThat(decoder.wrap(exactHeap(frame(RecordType.CHECKPOINT, 0, concat(fixed16(1), entry)), 48), 0, 48))
                .isEqualTo(48);
        assertThat(decoder.count()).isEqualTo(1);

        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(2), entry))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(0), entry))))
                .isEqualTo(Reason.TRAILING_BYTES);
        // an absurd count is refused at once, not walked
        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(-1), entry))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        // an entry cut inside its handle, and inside its path
        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(2), entry, new byte[] {1, 0, 0, 0, 0, 0, 9}))))
                .isEqualTo(Reason.TRAILING_BYTES); // the second entry is (1, "") and one byte remains
        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(2), entry, new byte[] {1, 0, 0}))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
        assertThat(reason(frame(RecordType.CHECKPOINT, 0, concat(fixed16(2), entry, new byte[] {1, 0, 0, 0, 5, 0}))))
                .isEqualTo(Reason.VARIABLE_FIELD_OVERRUN);
    }

    @Test
    void theExceptionNamesTheFrameOffsetInALargerBuffer() {
        byte[] frame = encode(Samples.all().get(RecordType.MKDIR.ordinal()));
        frame[20] ^= 1;
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + frame.length]);
        buffer.putBytes(64, frame);
        MalformedRecordException e = refuse(buffer, 64, frame.length);
        assertThat(e.reason()).isEqualTo(Reason.BAD_CRC);
        assertThat(e.offset()).isEqualTo(64);
    }

    private static byte[] fixed16(int count) {
        byte[] fixed = new byte[16];
        new UnsafeBuffer(fixed).putInt(4, count, RecordHeader.BYTE_ORDER);
        return fixed;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
