package teefs.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodecRoundTripTest {

    static Stream<Arguments> samplesAndBuffers() {
        List<Supplier<MutableDirectBuffer>> buffers = List.of(
                () -> new UnsafeBuffer(new byte[1024]),
                () -> new UnsafeBuffer(ByteBuffer.allocateDirect(1024)),
                () -> new UnsafeBuffer(ByteBuffer.allocate(1024)),
                () -> new ExpandableArrayBuffer(64));
        List<String> names = List.of("byte[]", "direct ByteBuffer", "heap ByteBuffer", "expandable");
        Stream.Builder<Arguments> out = Stream.builder();
        for (Samples sample : Samples.all()) {
            for (int i = 0; i < buffers.size(); i++) {
                for (int offset : new int[] {0, 48, 13}) {
                    out.add(Arguments.of(sample, names.get(i), buffers.get(i), offset));
                }
            }
        }
        return out.build();
    }

    @ParameterizedTest(name = "{0} in {1} at {3}")
    @MethodSource("samplesAndBuffers")
    void everyTypeRoundTrips(Samples sample, String bufferName, Supplier<MutableDirectBuffer> bufferFactory,
                             int offset) throws Exception {
        MutableDirectBuffer buffer = bufferFactory.get();
        buffer.setMemory(0, buffer.capacity(), (byte) 0x5A); // dirty memory must not leak into the frame
        RecordEncoder encoder = new RecordEncoder().wrap(buffer, offset);
        int frameLength = sample.encode().applyAsInt(encoder);

        RecordDecoder decoder = new RecordDecoder();
        assertThat(frameLength % 16).isZero();
        assertThat(decoder.wrap(buffer, offset, frameLength)).isEqualTo(frameLength);
        assertThat(decoder.type()).isEqualTo(sample.type());
        assertThat(decoder.frameOffset()).isEqualTo(offset);
        assertThat(decoder.frameLength()).isEqualTo(frameLength);
        assertThat(RecordHeader.align16(decoder.recordLength())).isEqualTo(frameLength);
        assertThat(decoder.flags()).isZero();
        assertThat(decoder.recovered()).isFalse();
        assertThat(RecordHeader.magic(buffer, offset)).isEqualTo(0x7EEF);
        assertThat(RecordHeader.typeCode(buffer, offset)).isEqualTo(sample.type().code());
        sample.check().accept(decoder);
        assertThat(RecordHeader.crc(buffer, offset)).isEqualTo(oracleCrc(buffer, offset, frameLength));

        // the bytes after the frame are not part of it
        assertThat(decoder.wrap(buffer, offset, buffer.capacity() - offset)).isEqualTo(frameLength);
        sample.check().accept(decoder);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("teefs.protocol.Samples#all")
    void accessorsOfOtherTypesRefuse(Samples sample) throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        int frameLength = sample.encode().applyAsInt(new RecordEncoder().wrap(buffer, 0));
        RecordDecoder decoder = new RecordDecoder();
        decoder.wrap(buffer, 0, frameLength);
        if (sample.type() != RecordType.RENAME) {
            assertThatThrownBy(decoder::renameFlags).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(sample.type().name()).hasMessageContaining("renameFlags");
        }
        if (sample.type() != RecordType.WRITE) {
            assertThatThrownBy(decoder::dataOffset).isInstanceOf(IllegalStateException.class);
        }
        if (sample.type() != RecordType.CHECKPOINT) {
            assertThatThrownBy(decoder::entries).isInstanceOf(IllegalStateException.class);
        }
        if (sample.type().variableFields() == RecordType.VariableFields.NONE
                || sample.type().variableFields() == RecordType.VariableFields.DATA
                || sample.type() == RecordType.CHECKPOINT) {
            assertThatThrownBy(decoder::pathOffset).isInstanceOf(IllegalStateException.class);
        }
        if (sample.type().variableFields() == RecordType.VariableFields.STR) {
            assertThatThrownBy(decoder::secondOffset).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void sliceArgumentsEncodeTheSameBytesAsArrays() {
        byte[] p = Samples.PATH;
        byte[] o = Samples.OTHER;
        byte[] v = Samples.VALUE;
        // the slices sit at odd offsets of an off-heap buffer, surrounded by other bytes
        UnsafeBuffer src = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        src.setMemory(0, 256, (byte) '#');
        int po = 3;
        int oo = 61;
        int vo = 131;
        src.putBytes(po, p);
        src.putBytes(oo, o);
        src.putBytes(vo, v);
        UnsafeBuffer d = new UnsafeBuffer(Samples.DATA);
        byte[] label = "bootstrap".getBytes(UTF_8);
        src.putBytes(200, label);

        List<Pair> pairs = List.of(
                new Pair(e -> e.associate(7, p), e -> e.associate(7, src, po, p.length)),
                new Pair(e -> e.write(1, 2, 3, 4, Samples.DATA), e -> e.write(1, 2, 3, 4, d, 0, Samples.DATA.length)),
                new Pair(e -> e.truncate(1, 2, 3, p), e -> e.truncate(1, 2, 3, src, po, p.length)),
                new Pair(e -> e.create(1, 2, 3, 4, 5, 6, 7, 8, p), e -> e.create(1, 2, 3, 4, 5, 6, 7, 8, src, po, p.length)),
                new Pair(e -> e.mknod(1, 2, 3, 4, 5, 6, 7, 8, p), e -> e.mknod(1, 2, 3, 4, 5, 6, 7, 8, src, po, p.length)),
                new Pair(e -> e.mkdir(1, 2, 3, 4, 5, 6, 7, p), e -> e.mkdir(1, 2, 3, 4, 5, 6, 7, src, po, p.length)),
                new Pair(e -> e.rmdir(1, 2, p), e -> e.rmdir(1, 2, src, po, p.length)),
                new Pair(e -> e.unlink(1, 2, p), e -> e.unlink(1, 2, src, po, p.length)),
                new Pair(e -> e.rename(1, 2, 3, 4, 5, p, o),
                        e -> e.rename(1, 2, 3, 4, 5, src, po, p.length, src, oo, o.length)),
                new Pair(e -> e.symlink(1, 2, 3, 4, 5, 6, p, o),
                        e -> e.symlink(1, 2, 3, 4, 5, 6, src, po, p.length, src, oo, o.length)),
                new Pair(e -> e.link(1, 2, p, o), e -> e.link(1, 2, src, po, p.length, src, oo, o.length)),
                new Pair(e -> e.chmod(1, p), e -> e.chmod(1, src, po, p.length)),
                new Pair(e -> e.chown(1, 2, p), e -> e.chown(1, 2, src, po, p.length)),
                new Pair(e -> e.utimens(1, 2, 3, 4, p), e -> e.utimens(1, 2, 3, 4, src, po, p.length)),
                new Pair(e -> e.setxattr(1, p, o, v),
                        e -> e.setxattr(1, src, po, p.length, src, oo, o.length, src, vo, v.length)),
                new Pair(e -> e.removexattr(p, o), e -> e.removexattr(src, po, p.length, src, oo, o.length)),
                new Pair(e -> e.checkpointBegin(0, 1).checkpointEntry(2, p).checkpointEnd(),
                        e -> e.checkpointBegin(0, 1).checkpointEntry(2, src, po, p.length).checkpointEnd()),
                new Pair(e -> e.marker(1, label), e -> e.marker(1, src, 200, label.length)));
        // every type with a string or data argument: all but FALLOCATE, FSYNC and RELEASE
        assertThat(pairs).hasSize(18);
        for (Pair pair : pairs) {
            UnsafeBuffer a = new UnsafeBuffer(new byte[512]);
            UnsafeBuffer b = new UnsafeBuffer(new byte[512]);
            int la = pair.arrays().applyAsInt(new RecordEncoder().wrap(a, 0));
            int lb = pair.slices().applyAsInt(new RecordEncoder().wrap(b, 0));
            assertThat(lb).isEqualTo(la);
            assertThat(b.byteArray()).as(pair.toString()).isEqualTo(a.byteArray());
        }
    }

    record Pair(java.util.function.ToIntFunction<RecordEncoder> arrays,
                java.util.function.ToIntFunction<RecordEncoder> slices) {
    }

    @Test
    void recoveredFlagRoundTripsAndUnknownFlagsAreRefused() throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        RecordEncoder encoder = new RecordEncoder().wrap(buffer, 0).flags(RecordHeader.FLAG_RECOVERED);
        int length = encoder.release(3);
        RecordDecoder decoder = new RecordDecoder();
        decoder.wrap(buffer, 0, length);
        assertThat(decoder.recovered()).isTrue();
        assertThat(decoder.flags()).isEqualTo(RecordHeader.FLAG_RECOVERED);
        assertThatThrownBy(() -> encoder.flags(0x02)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Pins the little-endian layout with bytes assembled by hand, independently of RecordLayout. */
    @Test
    void mkdirMatchesHandAssembledBytes() throws Exception {
        byte[] path = "a/b".getBytes(UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        int length = 16 + 48 + 2 + 3;
        expected.putInt(length).put((byte) 6).put((byte) 0).putShort((short) 0x7EEF).putInt(0).putInt(0);
        expected.putInt(040755).putInt(1000).putInt(100).putInt(0);
        expected.putLong(1_700_000_000L).putLong(5).putLong(1_700_000_001L).putLong(6);
        expected.putShort((short) 3).put(path);
        byte[] bytes = expected.array();
        assertThat(RecordHeader.align16(length)).isEqualTo(80);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 80);
        expected.putInt(8, (int) crc.getValue());

        UnsafeBuffer buffer = new UnsafeBuffer(new byte[96]);
        int frame = new RecordEncoder().wrap(buffer, 0)
                .mkdir(040755, 1000, 100, 1_700_000_000L, 5, 1_700_000_001L, 6, path);
        assertThat(frame).isEqualTo(80);
        assertThat(buffer.byteArray()).isEqualTo(bytes);
    }

    @Test
    void writeMatchesHandAssembledBytes() {
        byte[] data = {1, 2, 3};
        ByteBuffer expected = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        expected.putInt(43).put((byte) 2).put((byte) 0).putShort((short) 0x7EEF).putInt(0).putInt(77);
        expected.putLong(4096).putLong(10).putLong(-1).put(data);
        CRC32C crc = new CRC32C();
        crc.update(expected.array(), 0, 48);
        expected.putInt(8, (int) crc.getValue());

        UnsafeBuffer buffer = new UnsafeBuffer(new byte[48]);
        assertThat(new RecordEncoder().wrap(buffer, 0).write(77, 4096, 10, -1, data)).isEqualTo(48);
        assertThat(buffer.byteArray()).isEqualTo(expected.array());
    }

    @Test
    void largestRecordEncodesAndOneByteMoreIsRefused() throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_FRAME_LENGTH));
        UnsafeBuffer data = new UnsafeBuffer(new byte[RecordEncoder.MAX_WRITE_DATA + 1]);
        RecordEncoder encoder = new RecordEncoder().wrap(buffer, 0);
        int frame = encoder.write(1, 0, 0, 0, data, 0, RecordEncoder.MAX_WRITE_DATA);
        assertThat(frame).isEqualTo(RecordHeader.MAX_RECORD_LENGTH);
        RecordDecoder decoder = new RecordDecoder();
        assertThat(decoder.wrap(buffer, 0, frame)).isEqualTo(frame);
        assertThat(decoder.dataLength()).isEqualTo(RecordEncoder.MAX_WRITE_DATA);

        assertThatThrownBy(() -> encoder.write(1, 0, 0, 0, data, 0, RecordEncoder.MAX_WRITE_DATA + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("split");
    }

    @Test
    void oversizedStringsAndRecordsAreRefusedBeforeWritingPastTheLimit() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[RecordHeader.MAX_FRAME_LENGTH]);
        RecordEncoder encoder = new RecordEncoder().wrap(buffer, 0);
        assertThatThrownBy(() -> encoder.associate(1, new byte[65536]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65535");
        assertThat(encoder.associate(1, new byte[65535])).isEqualTo(RecordHeader.align16(16 + 2 + 65535));
        byte[] bigValue = new byte[RecordHeader.MAX_RECORD_LENGTH];
        assertThatThrownBy(() -> encoder.setxattr(0, Samples.PATH, Samples.OTHER, bigValue))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than");

        encoder.checkpointBegin(0, 1);
        byte[] path = new byte[60_000];
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                encoder.checkpointEntry(i, path);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CHECKPOINT entry");
    }

    @Test
    void checkpointMisuseIsAnIllegalState() {
        RecordEncoder encoder = new RecordEncoder().wrap(new UnsafeBuffer(new byte[256]), 0);
        assertThatThrownBy(() -> encoder.checkpointEntry(1, Samples.PATH)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(encoder::checkpointEnd).isInstanceOf(IllegalStateException.class);
        encoder.checkpointBegin(0, 1);
        encoder.release(1); // another record abandons the checkpoint
        assertThatThrownBy(encoder::checkpointEnd).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyCheckpointRoundTrips() throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        int frame = new RecordEncoder().wrap(buffer, 0).checkpointBegin(1, 42).checkpointEnd();
        assertThat(frame).isEqualTo(32);
        RecordDecoder decoder = new RecordDecoder();
        decoder.wrap(buffer, 0, frame);
        assertThat(decoder.count()).isZero();
        assertThat(decoder.entries().next()).isFalse();
    }

    @Test
    void framesFollowEachOtherInOneBuffer() throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
        RecordEncoder encoder = new RecordEncoder();
        int position = 0;
        List<Samples> samples = Samples.all();
        for (Samples sample : samples) {
            position += sample.encode().applyAsInt(encoder.wrap(buffer, position));
        }
        RecordDecoder decoder = new RecordDecoder();
        int at = 0;
        for (Samples sample : samples) {
            at += decoder.wrap(buffer, at, position - at);
            assertThat(decoder.type()).isEqualTo(sample.type());
            sample.check().accept(decoder);
        }
        assertThat(at).isEqualTo(position);
    }

    @Test
    void unwrappedDecoderRefusesAccessors() {
        RecordDecoder decoder = new RecordDecoder();
        assertThat(decoder.isWrapped()).isFalse();
        assertThatThrownBy(decoder::type).isInstanceOf(IllegalStateException.class).hasMessageContaining("wrap");
        UnsafeBuffer garbage = new UnsafeBuffer(new byte[32]);
        assertThatThrownBy(() -> decoder.wrap(garbage, 0, 32)).isInstanceOf(MalformedRecordException.class);
        assertThat(decoder.isWrapped()).isFalse();
        assertThatThrownBy(decoder::handle).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void decoderRefusesARangeOutsideTheBuffer() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
        RecordDecoder decoder = new RecordDecoder();
        assertThatThrownBy(() -> decoder.wrap(buffer, 16, 17)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decoder.wrap(buffer, -1, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decoder.wrap(buffer, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** CRC computed the slow, obvious way: copy the frame, zero bytes 8..11, digest the copy. */
    static int oracleCrc(org.agrona.DirectBuffer buffer, int offset, int frameLength) {
        byte[] copy = new byte[frameLength];
        buffer.getBytes(offset, copy);
        copy[8] = copy[9] = copy[10] = copy[11] = 0;
        CRC32C crc = new CRC32C();
        crc.update(copy, 0, frameLength);
        return (int) crc.getValue();
    }
}
