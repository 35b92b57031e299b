package teefs.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

import org.agrona.concurrent.UnsafeBuffer;

/** One sample record per type: how to encode it, and what every accessor must then return. */
record Samples(RecordType type, ToIntFunction<RecordEncoder> encode, Consumer<RecordDecoder> check) {

    static final byte[] PATH = "dir/sub/file.txt".getBytes(UTF_8);
    static final byte[] OTHER = "other/näme".getBytes(UTF_8);
    static final byte[] VALUE = {0, 1, 2, (byte) 0xFF, 42};
    static final byte[] DATA = new byte[77];

    static {
        for (int i = 0; i < DATA.length; i++) {
            DATA[i] = (byte) (i * 31 + 7);
        }
    }

    /** Every type, encoded with byte[] arguments. */
    static List<Samples> all() {
        return List.of(
                new Samples(RecordType.ASSOCIATE, e -> e.associate(7, PATH), d -> {
                    assertThat(d.handle()).isEqualTo(7);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.WRITE, e -> e.write(0xFFFF_FFFE, 1L << 40, 1_700_000_000L, 123_456_789L, DATA),
                        d -> {
                            assertThat(d.handle()).isEqualTo(0xFFFF_FFFE);
                            assertThat(d.offset()).isEqualTo(1L << 40);
                            assertThat(d.mtimeSec()).isEqualTo(1_700_000_000L);
                            assertThat(d.mtimeNsec()).isEqualTo(123_456_789L);
                            assertThat(d.dataLength()).isEqualTo(DATA.length);
                            assertThat(d.dataOffset()).isEqualTo(d.frameOffset() + 40);
                            assertThat(d.dataBytes()).isEqualTo(DATA);
                        }),
                new Samples(RecordType.TRUNCATE, e -> e.truncate(123_456_789_012L, 5, -1, PATH), d -> {
                    assertThat(d.size()).isEqualTo(123_456_789_012L);
                    assertThat(d.mtimeSec()).isEqualTo(5);
                    assertThat(d.mtimeNsec()).isEqualTo(-1);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.CREATE, e -> e.create(9, 0100644, 1000, 1001, 11, 12, 13, 14, PATH), d -> {
                    assertThat(d.handle()).isEqualTo(9);
                    assertThat(d.mode()).isEqualTo(0100644);
                    assertThat(d.uid()).isEqualTo(1000);
                    assertThat(d.gid()).isEqualTo(1001);
                    assertThat(d.mtimeSec()).isEqualTo(11);
                    assertThat(d.mtimeNsec()).isEqualTo(12);
                    assertThat(d.parentMtimeSec()).isEqualTo(13);
                    assertThat(d.parentMtimeNsec()).isEqualTo(14);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.MKNOD, e -> e.mknod(0010600, 0, 0, 0x0801L, 21, 22, 23, 24, PATH), d -> {
                    assertThat(d.mode()).isEqualTo(0010600);
                    assertThat(d.uid()).isZero();
                    assertThat(d.gid()).isZero();
                    assertThat(d.rdev()).isEqualTo(0x0801L);
                    assertThat(d.mtimeSec()).isEqualTo(21);
                    assertThat(d.mtimeNsec()).isEqualTo(22);
                    assertThat(d.parentMtimeSec()).isEqualTo(23);
                    assertThat(d.parentMtimeNsec()).isEqualTo(24);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.MKDIR, e -> e.mkdir(040755, 1, 2, 31, 32, 33, 34, PATH), d -> {
                    assertThat(d.mode()).isEqualTo(040755);
                    assertThat(d.uid()).isEqualTo(1);
                    assertThat(d.gid()).isEqualTo(2);
                    assertThat(d.mtimeSec()).isEqualTo(31);
                    assertThat(d.mtimeNsec()).isEqualTo(32);
                    assertThat(d.parentMtimeSec()).isEqualTo(33);
                    assertThat(d.parentMtimeNsec()).isEqualTo(34);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.RMDIR, e -> e.rmdir(41, 42, PATH), d -> {
                    assertThat(d.parentMtimeSec()).isEqualTo(41);
                    assertThat(d.parentMtimeNsec()).isEqualTo(42);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.UNLINK, e -> e.unlink(51, 52, new byte[0]), d -> {
                    assertThat(d.parentMtimeSec()).isEqualTo(51);
                    assertThat(d.parentMtimeNsec()).isEqualTo(52);
                    assertPath(d, new byte[0]);
                }),
                new Samples(RecordType.RENAME, e -> e.rename(1, 61, 62, 63, 64, PATH, OTHER), d -> {
                    assertThat(d.renameFlags()).isEqualTo(1);
                    assertThat(d.fromParentMtimeSec()).isEqualTo(61);
                    assertThat(d.fromParentMtimeNsec()).isEqualTo(62);
                    assertThat(d.toParentMtimeSec()).isEqualTo(63);
                    assertThat(d.toParentMtimeNsec()).isEqualTo(64);
                    assertPath(d, PATH);
                    assertSecond(d, OTHER);
                }),
                new Samples(RecordType.SYMLINK, e -> e.symlink(71, 72, 73, 74, 75, 76, PATH, OTHER), d -> {
                    assertThat(d.uid()).isEqualTo(71);
                    assertThat(d.gid()).isEqualTo(72);
                    assertThat(d.mtimeSec()).isEqualTo(73);
                    assertThat(d.mtimeNsec()).isEqualTo(74);
                    assertThat(d.parentMtimeSec()).isEqualTo(75);
                    assertThat(d.parentMtimeNsec()).isEqualTo(76);
                    assertPath(d, PATH);
                    assertSecond(d, OTHER);
                }),
                new Samples(RecordType.LINK, e -> e.link(81, 82, PATH, OTHER), d -> {
                    assertThat(d.parentMtimeSec()).isEqualTo(81);
                    assertThat(d.parentMtimeNsec()).isEqualTo(82);
                    assertPath(d, PATH);
                    assertSecond(d, OTHER);
                }),
                new Samples(RecordType.CHMOD, e -> e.chmod(04755, PATH), d -> {
                    assertThat(d.mode()).isEqualTo(04755);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.CHOWN, e -> e.chown(-1, 500, PATH), d -> {
                    assertThat(d.uid()).isEqualTo(-1);
                    assertThat(d.gid()).isEqualTo(500);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.UTIMENS, e -> e.utimens(91, 92, 93, -1, PATH), d -> {
                    assertThat(d.atimeSec()).isEqualTo(91);
                    assertThat(d.atimeNsec()).isEqualTo(92);
                    assertThat(d.mtimeSec()).isEqualTo(93);
                    assertThat(d.mtimeNsec()).isEqualTo(-1);
                    assertPath(d, PATH);
                }),
                new Samples(RecordType.SETXATTR, e -> e.setxattr(2, PATH, OTHER, VALUE), d -> {
                    assertThat(d.xattrFlags()).isEqualTo(2);
                    assertPath(d, PATH);
                    assertSecond(d, OTHER);
                    assertThat(d.valueLength()).isEqualTo(VALUE.length);
                    assertThat(d.valueBytes()).isEqualTo(VALUE);
                    assertThat(d.valueOffset()).isEqualTo(d.secondOffset() + d.secondLength() + 4);
                }),
                new Samples(RecordType.REMOVEXATTR, e -> e.removexattr(PATH, OTHER), d -> {
                    assertPath(d, PATH);
                    assertSecond(d, OTHER);
                }),
                new Samples(RecordType.FALLOCATE, e -> e.fallocate(3, 1, 4096, 1L << 33, 101, 102), d -> {
                    assertThat(d.handle()).isEqualTo(3);
                    assertThat(d.fallocMode()).isEqualTo(1);
                    assertThat(d.offset()).isEqualTo(4096);
                    assertThat(d.length()).isEqualTo(1L << 33);
                    assertThat(d.mtimeSec()).isEqualTo(101);
                    assertThat(d.mtimeNsec()).isEqualTo(102);
                }),
                new Samples(RecordType.FSYNC, e -> e.fsync(4, true), d -> {
                    assertThat(d.handle()).isEqualTo(4);
                    assertThat(d.datasync()).isTrue();
                }),
                new Samples(RecordType.RELEASE, e -> e.release(5), d -> {
                    assertThat(d.handle()).isEqualTo(5);
                    assertThat(d.recordLength()).isEqualTo(16);
                }),
                new Samples(RecordType.CHECKPOINT, e -> e.checkpointBegin(1, 0x1234_5678_9ABCL)
                        .checkpointEntry(7, PATH).checkpointEntry(8, OTHER).checkpointEntry(9, new byte[0])
                        .checkpointEnd(), d -> {
                    assertThat(d.checkpointFlags()).isEqualTo(1);
                    assertThat(d.sessionId()).isEqualTo(0x1234_5678_9ABCL);
                    assertThat(d.count()).isEqualTo(3);
                    RecordDecoder.CheckpointEntries entries = d.entries();
                    assertThat(entries.next()).isTrue();
                    assertThat(entries.handle()).isEqualTo(7);
                    assertThat(entries.pathBytes()).isEqualTo(PATH);
                    assertThat(entries.next()).isTrue();
                    assertThat(entries.handle()).isEqualTo(8);
                    assertThat(entries.pathString()).isEqualTo(new String(OTHER, UTF_8));
                    assertThat(entries.next()).isTrue();
                    assertThat(entries.handle()).isEqualTo(9);
                    assertThat(entries.pathLength()).isZero();
                    assertThat(entries.next()).isFalse();
                }),
                new Samples(RecordType.MARKER, e -> e.marker(1_700_000_000_123L, "bootstrap".getBytes(UTF_8)), d -> {
                    assertThat(d.wallClockMillis()).isEqualTo(1_700_000_000_123L);
                    assertThat(d.pathString()).isEqualTo("bootstrap");
                }));
    }

    static void assertPath(RecordDecoder d, byte[] expected) {
        assertThat(d.pathLength()).isEqualTo(expected.length);
        assertThat(d.pathBytes()).isEqualTo(expected);
        assertThat(d.pathString()).isEqualTo(new String(expected, UTF_8));
        byte[] viaOffset = new byte[d.pathLength()];
        d.buffer().getBytes(d.pathOffset(), viaOffset);
        assertThat(viaOffset).isEqualTo(expected);
        UnsafeBuffer view = d.path(new UnsafeBuffer(0, 0));
        assertThat(view.capacity()).isEqualTo(expected.length);
    }

    static void assertSecond(RecordDecoder d, byte[] expected) {
        assertThat(d.secondLength()).isEqualTo(expected.length);
        assertThat(d.secondBytes()).isEqualTo(expected);
        assertThat(d.secondString()).isEqualTo(new String(expected, UTF_8));
        byte[] viaOffset = new byte[d.secondLength()];
        d.buffer().getBytes(d.secondOffset(), viaOffset);
        assertThat(viaOffset).isEqualTo(expected);
    }

    @Override
    public String toString() {
        return type.name();
    }
}
