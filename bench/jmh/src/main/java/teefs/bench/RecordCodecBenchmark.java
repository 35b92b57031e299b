package teefs.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;

/**
 * Throughput of the WRITE record codec on the paths the journal and the mirrors use. Data and frames live off-heap, as
 * FUSE write buffers and Chronicle mappings do. Scores are operations (records) per second; multiply by
 * {@code dataLength} for bytes per second ({@code run.sh} prints that column).
 *
 * <ul>
 *   <li>{@code encodeWrite}: a whole WRITE frame, data copied in, CRC32C over the frame.</li>
 *   <li>{@code encodeWriteHead}: the zero-copy head ({@link RecordEncoder#writeHead}): CRC over data read in place.</li>
 *   <li>{@code decodeWrite}: full validation of a WRITE frame, CRC included.</li>
 * </ul>
 *
 * <p>{@link MetadataRecordBenchmark} measures a small MKDIR record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RecordCodecBenchmark {
    @Param({"4096", "131072"})
    public int dataLength;

    private final RecordEncoder encoder = new RecordEncoder();
    private final RecordDecoder decoder = new RecordDecoder();
    private UnsafeBuffer data;
    private UnsafeBuffer frame;
    private UnsafeBuffer head;
    private UnsafeBuffer writeFrame;
    private int writeFrameLength;

    @Setup(Level.Trial)
    public void setUp() {
        data = new UnsafeBuffer(ByteBuffer.allocateDirect(dataLength));
        for (int i = 0; i < dataLength; i++) {
            data.putByte(i, (byte) ThreadLocalRandom.current().nextInt());
        }
        frame = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_FRAME_LENGTH));
        head = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        writeFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_FRAME_LENGTH));
        writeFrameLength = new RecordEncoder().wrap(writeFrame, 0).write(7, 4096, 1_700_000_000L, 1, data, 0,
                dataLength);
    }

    @Benchmark
    public int encodeWrite() {
        return encoder.wrap(frame, 0).write(7, 4096, 1_700_000_000L, 1, data, 0, dataLength);
    }

    @Benchmark
    public int encodeWriteHead() {
        return encoder.wrap(head, 0).writeHead(7, 4096, 1_700_000_000L, 1, data, 0, dataLength);
    }

    @Benchmark
    public int decodeWrite() throws MalformedRecordException {
        decoder.wrap(writeFrame, 0, writeFrameLength);
        return decoder.dataLength();
    }
}
