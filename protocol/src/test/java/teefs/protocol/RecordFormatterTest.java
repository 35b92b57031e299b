package teefs.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.ToIntFunction;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RecordFormatterTest {
    private final RecordFormatter formatter = new RecordFormatter();

    private String line(long index, ToIntFunction<RecordEncoder> encode) throws Exception {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
        int frame = encode.applyAsInt(new RecordEncoder().wrap(buffer, 0));
        RecordDecoder decoder = new RecordDecoder();
        decoder.wrap(buffer, 0, frame);
        return formatter.format(index, decoder);
    }

    @Test
    void writeLine() throws Exception {
        assertThat(line(4294967301L, e -> e.write(7, 8192, 1_714_557_600L, 123_456_789L, new byte[4096])))
                .isEqualTo("4294967301 WRITE h=7 offset=8192 bytes=4096 mtime=2024-05-01T10:00:00.123456789Z");
    }

    @Test
    void mkdirLineHasOctalModeAndBothTimes() throws Exception {
        assertThat(line(3, e -> e.mkdir(040755, 1000, 1000, 0, 0, 1, -1, "a/b".getBytes(UTF_8))))
                .isEqualTo("3 MKDIR path=\"a/b\" mode=040755 uid=1000 gid=1000 mtime=1970-01-01T00:00:00Z "
                        + "parentMtime=keep");
    }

    @Test
    void renameLineShowsBothPaths() throws Exception {
        assertThat(line(9, e -> e.rename(0, 1, 0, 2, 0, "x".getBytes(UTF_8), "y/é".getBytes(UTF_8))))
                .startsWith("9 RENAME from=\"x\" to=\"y/é\" flags=0 ");
    }

    @Test
    void hostileBytesNeverBreakTheLine() throws Exception {
        byte[] nasty = {'a', '\n', '"', '\\', (byte) 0xFF, 'b'};
        String line = line(1, e -> e.unlink(0, 0, nasty));
        assertThat(line).doesNotContain("\n").contains("path=\"a\\x0a\\\"\\\\\\xffb\"");
        String utf8WithNewline = line(2, e -> e.unlink(0, 0, "é\n".getBytes(UTF_8)));
        assertThat(utf8WithNewline).contains("path=\"é\\x0a\"");
    }

    @Test
    void checkpointLineListsTheHandles() throws Exception {
        assertThat(line(5, e -> e.checkpointBegin(1, 77).checkpointEntry(3, "f".getBytes(UTF_8))
                .checkpointEntry(4, "g".getBytes(UTF_8)).checkpointEnd()))
                .isEqualTo("5 CHECKPOINT flags=1 session=77 count=2 3=\"f\" 4=\"g\"");
    }

    @Test
    void chownShowsKeepForMinusOne() throws Exception {
        assertThat(line(6, e -> e.chown(-1, 5, "p".getBytes(UTF_8)))).isEqualTo("6 CHOWN path=\"p\" uid=keep gid=5");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("teefs.protocol.Samples#all")
    void everyTypeFormatsOnOneLine(Samples sample) throws Exception {
        String line = line(12, sample.encode());
        assertThat(line).startsWith("12 " + sample.type().name()).doesNotContain("\n");
    }
}
