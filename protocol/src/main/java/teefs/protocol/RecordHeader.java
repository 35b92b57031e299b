package teefs.protocol;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * The 16-byte header every record frame starts with (docs/RECORDS.md). All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |               length: header + payload, unpadded (u32)        |  0
 *  +---------------+---------------+-------------------------------+
 *  |   type (u8)   |  flags (u8)   |      magic 0x7EEF (u16)       |  4
 *  +---------------+---------------+-------------------------------+
 *  |   CRC32C of the padded frame, computed with this field = 0    |  8
 *  +---------------------------------------------------------------+
 *  |            handle (u32): open-file handle, 0 if none          | 12
 *  +---------------------------------------------------------------+
 *  |                    payload ... zero padding to 16             | 16
 * </pre>
 *
 * <p>The frame occupies {@link #align16(int) align16(length)} bytes; the padding is zero and is covered by the CRC.
 * The static accessors read a header without validating it: use {@link RecordDecoder} for untrusted bytes.
 * Stateless, so thread-safe.
 */
public final class RecordHeader {
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

    /** Header size, also the smallest valid record length. */
    public static final int LENGTH = 16;
    /** Frames start and end on this boundary. */
    public static final int ALIGNMENT = 16;

    public static final int LENGTH_OFFSET = 0;
    public static final int TYPE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int MAGIC_OFFSET = 6;
    public static final int CRC_OFFSET = 8;
    public static final int HANDLE_OFFSET = 12;
    public static final int PAYLOAD_OFFSET = 16;

    /** The u16 at {@link #MAGIC_OFFSET}; anything else is garbage. */
    public static final int MAGIC = 0x7EEF;
    /** Flag bit 0: emitted by crash recovery rather than by a live operation. */
    public static final int FLAG_RECOVERED = 0x01;
    /** Every flag bit a valid record may set; the others must be zero. */
    public static final int KNOWN_FLAGS = FLAG_RECOVERED;

    /** Largest unpadded record length: a 1 MiB write with room to spare for its header and fixed fields. */
    public static final int MAX_RECORD_LENGTH = (1 << 20) + (4 << 10);
    /** Largest padded frame, i.e. the buffer size that holds any record. */
    public static final int MAX_FRAME_LENGTH = MAX_RECORD_LENGTH; // already a multiple of 16

    private RecordHeader() {
    }

    /** {@code length} rounded up to a multiple of 16; defined for 0..Integer.MAX_VALUE - 15. */
    public static int align16(int length) {
        return (length + (ALIGNMENT - 1)) & -ALIGNMENT;
    }

    /** Zero bytes that follow a record of this unpadded length: 0..15. */
    public static int paddingFor(int length) {
        return align16(length) - length;
    }

    public static int length(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + LENGTH_OFFSET, BYTE_ORDER);
    }

    public static int typeCode(DirectBuffer buffer, int offset) {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public static int flags(DirectBuffer buffer, int offset) {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public static int magic(DirectBuffer buffer, int offset) {
        return buffer.getShort(offset + MAGIC_OFFSET, BYTE_ORDER) & 0xFFFF;
    }

    public static int crc(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + CRC_OFFSET, BYTE_ORDER);
    }

    public static int handle(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + HANDLE_OFFSET, BYTE_ORDER);
    }
}
