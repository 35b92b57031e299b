package teefs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

import org.agrona.BufferUtil;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class Crc32cDigestTest {

    @Test
    void theJvmFlagsLetNativeMemoryBeDigestedInPlace() {
        // Surefire runs with teefs.jvm.opens; without java.nio opened the digest copies, which would be slow
        assertThat(Crc32cDigest.zeroCopyNative()).isTrue();
    }

    @Test
    void everyKindOfBufferDigestsToTheSameValue() {
        Random random = new Random(42);
        byte[] bytes = new byte[70_000];
        random.nextBytes(bytes);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).clear();
        ExpandableDirectByteBuffer expandable = new ExpandableDirectByteBuffer(bytes.length);
        expandable.putBytes(0, bytes);
        ByteBuffer heapSlice = ByteBuffer.wrap(new byte[bytes.length + 10], 10, bytes.length).slice();
        heapSlice.put(bytes).clear();

        UnsafeBuffer[] views = {
                new UnsafeBuffer(bytes),
                new UnsafeBuffer(direct),
                new UnsafeBuffer(BufferUtil.address(direct), bytes.length),
                new UnsafeBuffer(heapSlice),
                new UnsafeBuffer(expandable, 0, bytes.length),
        };
        Crc32cDigest digest = new Crc32cDigest();
        int[][] ranges = {{0, 0}, {0, 1}, {3, 17}, {1, 8192}, {0, bytes.length}, {12_345, 40_000}};
        for (int[] range : ranges) {
            CRC32C oracle = new CRC32C();
            oracle.update(bytes, range[0], range[1]);
            for (UnsafeBuffer view : views) {
                int value = digest.reset().update(view, range[0], range[1]).value();
                assertThat(value).as("%s [%d, +%d)", view, range[0], range[1]).isEqualTo((int) oracle.getValue());
            }
        }
    }

    @Test
    void frameCrcSkipsTheCrcField() {
        byte[] frame = new byte[48];
        new Random(1).nextBytes(frame);
        Crc32cDigest digest = new Crc32cDigest();
        int before = digest.frameCrc(new UnsafeBuffer(frame), 0, 48);
        frame[8] ^= 1;
        frame[11] ^= (byte) 0x80;
        assertThat(digest.frameCrc(new UnsafeBuffer(frame), 0, 48)).isEqualTo(before);
        frame[12] ^= 1;
        assertThat(digest.frameCrc(new UnsafeBuffer(frame), 0, 48)).isNotEqualTo(before);
    }
}
