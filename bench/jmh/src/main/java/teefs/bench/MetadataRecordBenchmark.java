package teefs.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordEncoder;

/** Records per second for a small metadata record (MKDIR, a 38-byte path: a 112-byte frame), encode and validate. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MetadataRecordBenchmark {
    private final RecordEncoder encoder = new RecordEncoder();
    private final RecordDecoder decoder = new RecordDecoder();
    private final byte[] path = "projects/teefs/src/main/java/Some.java".getBytes(StandardCharsets.UTF_8);
    private UnsafeBuffer frame;
    private UnsafeBuffer mkdirFrame;
    private int mkdirFrameLength;

    @Setup(Level.Trial)
    public void setUp() {
        frame = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        mkdirFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        mkdirFrameLength = new RecordEncoder().wrap(mkdirFrame, 0).mkdir(040755, 1000, 1000, 1_700_000_000L, 1,
                1_700_000_000L, 2, path);
    }

    @Benchmark
    public int encodeMkdir() {
        return encoder.wrap(frame, 0).mkdir(040755, 1000, 1000, 1_700_000_000L, 1, 1_700_000_000L, 2, path);
    }

    @Benchmark
    public int decodeMkdir() throws MalformedRecordException {
        decoder.wrap(mkdirFrame, 0, mkdirFrameLength);
        return decoder.mode() + decoder.pathLength();
    }
}
