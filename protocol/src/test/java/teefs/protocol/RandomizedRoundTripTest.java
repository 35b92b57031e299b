package teefs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Thousands of records with random fields and strings (including empty, non-UTF-8 and maximal lengths), encoded
 * back to back into one off-heap buffer, then decoded in order and compared field by field. Fixed seed: a failure
 * reproduces.
 */
class RandomizedRoundTripTest {
    private static final long SEED = 0x7EEF_2024L;

    @Test
    void randomRecordsRoundTrip() throws Exception {
        Random random = new Random(SEED);
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(32 << 20));
        RecordEncoder encoder = new RecordEncoder();
        List<Consumer<RecordDecoder>> checks = new ArrayList<>();
        List<RecordType> types = new ArrayList<>();
        int position = 0;
        while (position < buffer.capacity() - RecordHeader.MAX_FRAME_LENGTH && checks.size() < 5000) {
            RecordType type = RecordType.values()[random.nextInt(RecordType.values().length)];
            encoder.wrap(buffer, position).flags(random.nextBoolean() ? RecordHeader.FLAG_RECOVERED : 0);
            boolean recovered = encoder.flags() != 0;
            int h = random.nextInt();
            long a = random.nextLong();
            long b = random.nextLong();
            long c = random.nextLong();
            long d = random.nextLong();
            int i1 = random.nextInt();
            int i2 = random.nextInt();
            int i3 = random.nextInt();
            byte[] s1 = bytes(random);
            byte[] s2 = bytes(random);
            Consumer<RecordDecoder> check;
            int frame = switch (type) {
                case ASSOCIATE -> {
                    check = r -> {
                        assertThat(r.handle()).isEqualTo(h);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.associate(h, s1);
                }
                case WRITE -> {
                    byte[] data = new byte[random.nextInt(4) == 0 ? random.nextInt(300_000) : random.nextInt(100)];
                    random.nextBytes(data);
                    check = r -> {
                        assertThat(r.handle()).isEqualTo(h);
                        assertThat(r.offset()).isEqualTo(a);
                        assertThat(r.mtimeSec()).isEqualTo(b);
                        assertThat(r.mtimeNsec()).isEqualTo(c);
                        assertThat(r.dataBytes()).isEqualTo(data);
                    };
                    yield encoder.write(h, a, b, c, data);
                }
                case TRUNCATE -> {
                    check = r -> {
                        assertThat(r.size()).isEqualTo(a);
                        assertThat(r.mtimeSec()).isEqualTo(b);
                        assertThat(r.mtimeNsec()).isEqualTo(c);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.truncate(a, b, c, s1);
                }
                case CREATE, MKDIR -> {
                    int handle = type == RecordType.CREATE ? h : 0;
                    check = r -> {
                        assertThat(r.handle()).isEqualTo(handle);
                        assertThat(r.mode()).isEqualTo(i1);
                        assertThat(r.uid()).isEqualTo(i2);
                        assertThat(r.gid()).isEqualTo(i3);
                        assertThat(r.mtimeSec()).isEqualTo(a);
                        assertThat(r.mtimeNsec()).isEqualTo(b);
                        assertThat(r.parentMtimeSec()).isEqualTo(c);
                        assertThat(r.parentMtimeNsec()).isEqualTo(d);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield type == RecordType.CREATE ? encoder.create(h, i1, i2, i3, a, b, c, d, s1)
                            : encoder.mkdir(i1, i2, i3, a, b, c, d, s1);
                }
                case MKNOD -> {
                    long rdev = random.nextLong();
                    check = r -> {
                        assertThat(r.mode()).isEqualTo(i1);
                        assertThat(r.uid()).isEqualTo(i2);
                        assertThat(r.gid()).isEqualTo(i3);
                        assertThat(r.rdev()).isEqualTo(rdev);
                        assertThat(r.mtimeSec()).isEqualTo(a);
                        assertThat(r.mtimeNsec()).isEqualTo(b);
                        assertThat(r.parentMtimeSec()).isEqualTo(c);
                        assertThat(r.parentMtimeNsec()).isEqualTo(d);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.mknod(i1, i2, i3, rdev, a, b, c, d, s1);
                }
                case RMDIR, UNLINK -> {
                    check = r -> {
                        assertThat(r.parentMtimeSec()).isEqualTo(a);
                        assertThat(r.parentMtimeNsec()).isEqualTo(b);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield type == RecordType.RMDIR ? encoder.rmdir(a, b, s1) : encoder.unlink(a, b, s1);
                }
                case RENAME -> {
                    check = r -> {
                        assertThat(r.renameFlags()).isEqualTo(i1);
                        assertThat(r.fromParentMtimeSec()).isEqualTo(a);
                        assertThat(r.fromParentMtimeNsec()).isEqualTo(b);
                        assertThat(r.toParentMtimeSec()).isEqualTo(c);
                        assertThat(r.toParentMtimeNsec()).isEqualTo(d);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                        assertThat(r.secondBytes()).isEqualTo(s2);
                    };
                    yield encoder.rename(i1, a, b, c, d, s1, s2);
                }
                case SYMLINK -> {
                    check = r -> {
                        assertThat(r.uid()).isEqualTo(i1);
                        assertThat(r.gid()).isEqualTo(i2);
                        assertThat(r.mtimeSec()).isEqualTo(a);
                        assertThat(r.mtimeNsec()).isEqualTo(b);
                        assertThat(r.parentMtimeSec()).isEqualTo(c);
                        assertThat(r.parentMtimeNsec()).isEqualTo(d);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                        assertThat(r.secondBytes()).isEqualTo(s2);
                    };
                    yield encoder.symlink(i1, i2, a, b, c, d, s1, s2);
                }
                case LINK -> {
                    check = r -> {
                        assertThat(r.parentMtimeSec()).isEqualTo(a);
                        assertThat(r.parentMtimeNsec()).isEqualTo(b);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                        assertThat(r.secondBytes()).isEqualTo(s2);
                    };
                    yield encoder.link(a, b, s1, s2);
                }
                case CHMOD -> {
                    check = r -> {
                        assertThat(r.mode()).isEqualTo(i1);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.chmod(i1, s1);
                }
                case CHOWN -> {
                    check = r -> {
                        assertThat(r.uid()).isEqualTo(i1);
                        assertThat(r.gid()).isEqualTo(i2);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.chown(i1, i2, s1);
                }
                case UTIMENS -> {
                    check = r -> {
                        assertThat(r.atimeSec()).isEqualTo(a);
                        assertThat(r.atimeNsec()).isEqualTo(b);
                        assertThat(r.mtimeSec()).isEqualTo(c);
                        assertThat(r.mtimeNsec()).isEqualTo(d);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.utimens(a, b, c, d, s1);
                }
                case SETXATTR -> {
                    byte[] value = new byte[random.nextInt(5000)];
                    random.nextBytes(value);
                    check = r -> {
                        assertThat(r.xattrFlags()).isEqualTo(i1);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                        assertThat(r.secondBytes()).isEqualTo(s2);
                        assertThat(r.valueBytes()).isEqualTo(value);
                    };
                    yield encoder.setxattr(i1, s1, s2, value);
                }
                case REMOVEXATTR -> {
                    check = r -> {
                        assertThat(r.pathBytes()).isEqualTo(s1);
                        assertThat(r.secondBytes()).isEqualTo(s2);
                    };
                    yield encoder.removexattr(s1, s2);
                }
                case FALLOCATE -> {
                    check = r -> {
                        assertThat(r.handle()).isEqualTo(h);
                        assertThat(r.fallocMode()).isEqualTo(i1);
                        assertThat(r.offset()).isEqualTo(a);
                        assertThat(r.length()).isEqualTo(b);
                        assertThat(r.mtimeSec()).isEqualTo(c);
                        assertThat(r.mtimeNsec()).isEqualTo(d);
                    };
                    yield encoder.fallocate(h, i1, a, b, c, d);
                }
                case FSYNC -> {
                    boolean datasync = random.nextBoolean();
                    check = r -> {
                        assertThat(r.handle()).isEqualTo(h);
                        assertThat(r.datasync()).isEqualTo(datasync);
                    };
                    yield encoder.fsync(h, datasync);
                }
                case RELEASE -> {
                    check = r -> assertThat(r.handle()).isEqualTo(h);
                    yield encoder.release(h);
                }
                case CHECKPOINT -> {
                    int count = random.nextInt(20);
                    int[] handles = new int[count];
                    byte[][] paths = new byte[count][];
                    encoder.checkpointBegin(i1, a);
                    for (int k = 0; k < count; k++) {
                        handles[k] = random.nextInt();
                        paths[k] = bytes(random);
                        encoder.checkpointEntry(handles[k], paths[k]);
                    }
                    check = r -> {
                        assertThat(r.checkpointFlags()).isEqualTo(i1);
                        assertThat(r.sessionId()).isEqualTo(a);
                        assertThat(r.count()).isEqualTo(count);
                        RecordDecoder.CheckpointEntries entries = r.entries();
                        for (int k = 0; k < count; k++) {
                            assertThat(entries.next()).isTrue();
                            assertThat(entries.handle()).isEqualTo(handles[k]);
                            assertThat(entries.pathBytes()).isEqualTo(paths[k]);
                        }
                        assertThat(entries.next()).isFalse();
                    };
                    yield encoder.checkpointEnd();
                }
                case MARKER -> {
                    check = r -> {
                        assertThat(r.wallClockMillis()).isEqualTo(a);
                        assertThat(r.pathBytes()).isEqualTo(s1);
                    };
                    yield encoder.marker(a, s1);
                }
            };
            Consumer<RecordDecoder> typed = check;
            checks.add(r -> {
                assertThat(r.recovered()).isEqualTo(recovered);
                typed.accept(r);
            });
            types.add(type);
            position += frame;
        }

        RecordDecoder decoder = new RecordDecoder();
        int at = 0;
        for (int n = 0; n < checks.size(); n++) {
            at += decoder.wrap(buffer, at, position - at);
            assertThat(decoder.type()).as("record %d", n).isEqualTo(types.get(n));
            checks.get(n).accept(decoder);
        }
        assertThat(at).isEqualTo(position);
        assertThat(types).containsAll(List.of(RecordType.values()));
    }

    /** Mostly path-like bytes, sometimes empty, arbitrary binary or the longest a str can be. */
    private static byte[] bytes(Random random) {
        int kind = random.nextInt(20);
        int length = kind == 0 ? 0 : kind == 1 ? 65535 : random.nextInt(200);
        byte[] out = new byte[length];
        if (kind == 2) {
            random.nextBytes(out);
        } else {
            for (int i = 0; i < length; i++) {
                out[i] = (byte) ('a' + random.nextInt(26));
            }
        }
        return out;
    }
}
