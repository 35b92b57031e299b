package teefs.queue;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import teefs.protocol.RecordHeader;
import teefs.protocol.RecordType;

/**
 * The Chronicle document of a WRITE whose data lives in a {@link DataLog} file: the record's 40-byte head exactly as
 * the inline frame has it (length and CRC of the whole inline frame), then this 16-byte trailer:
 *
 * <pre>
 *   40  u32  REF_MAGIC 0x7EEFDA7A
 *   44  i32  cycle of the data file
 *   48  i64  offset of the data in that file (the data length is the head's length - 40)
 * </pre>
 *
 * A document is a reference exactly when it is {@value #DOCUMENT_LENGTH} bytes long, its head is a WRITE whose
 * frame is longer than that, and its trailer carries the magic.
 */
final class DataRef {
    static final int HEAD_LENGTH = 40;
    static final int DOCUMENT_LENGTH = 56;
    static final int REF_MAGIC = 0x7EEF_DA7A;
    private static final int MAGIC_AT = 40;
    private static final int CYCLE_AT = 44;
    private static final int OFFSET_AT = 48;

    private DataRef() {
    }

    static void writeTrailer(MutableDirectBuffer buffer, int cycle, long dataOffset) {
        buffer.putInt(MAGIC_AT, REF_MAGIC, RecordHeader.BYTE_ORDER);
        buffer.putInt(CYCLE_AT, cycle, RecordHeader.BYTE_ORDER);
        buffer.putLong(OFFSET_AT, dataOffset, RecordHeader.BYTE_ORDER);
    }

    static boolean isRef(DirectBuffer buffer, int offset, int length) {
        return length == DOCUMENT_LENGTH
                && RecordHeader.typeCode(buffer, offset) == RecordType.WRITE.code()
                && RecordHeader.length(buffer, offset) > DOCUMENT_LENGTH
                && buffer.getInt(offset + MAGIC_AT, RecordHeader.BYTE_ORDER) == REF_MAGIC;
    }

    static int cycle(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + CYCLE_AT, RecordHeader.BYTE_ORDER);
    }

    static long dataOffset(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + OFFSET_AT, RecordHeader.BYTE_ORDER);
    }

    static int dataLength(DirectBuffer buffer, int offset) {
        return RecordHeader.length(buffer, offset) - HEAD_LENGTH;
    }
}
