package teefs.queue;

import org.agrona.DirectBuffer;

/**
 * A {@link RecordConsumer} that can take a record whose data lives in a side data file ({@link JournalQueue#sideDataFile})
 * without the data being read: the broadcaster sends it from the page cache with sendfile(2).
 *
 * <p>The record's frame, byte for byte what {@link RecordConsumer#accept} would have been given, is:
 *
 * <pre>
 *   head[headOffset .. headOffset + 40)          the record's 40-byte head: length and CRC32C cover the whole frame
 *   side file of cycle, [dataOffset, + dataLength)  the WRITE's data
 *   frameLength - 40 - dataLength zero bytes     padding to a multiple of 16
 * </pre>
 *
 * The reader has checked that the reference is well formed, not that the file holds the bytes: a consumer that sends
 * them must make sure the file is long enough. The head buffer is only valid during the call.
 */
public interface SideDataConsumer extends RecordConsumer {
    /** Length of the head that precedes the data in the frame. */
    int HEAD_LENGTH = DataRef.HEAD_LENGTH;

    /**
     * @return false to decline: the reader then reads the data and hands over the whole frame as it would otherwise
     *         ({@link FrameSpace} or {@link #accept})
     */
    boolean acceptSideData(long index, DirectBuffer head, int headOffset, int cycle, long dataOffset, int dataLength,
                           int frameLength);
}
