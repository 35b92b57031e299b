package teefs.protocol;

/**
 * A frame that {@link RecordDecoder} refuses. It names the frame's offset in the buffer that was given, the
 * {@link Reason} and, in the message, the offending value. A mirror must stop on it, never skip the record.
 */
public final class MalformedRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a frame was refused, in the order the decoder checks. */
    public enum Reason {
        /** Fewer than 16 bytes available: not even a header. */
        INCOMPLETE_HEADER,
        /** The magic is not 0x7EEF: garbage, or a misaligned read. */
        BAD_MAGIC,
        /** The length (a u32) is above {@link RecordHeader#MAX_RECORD_LENGTH}. */
        LENGTH_TOO_LARGE,
        /** The length is below the 16-byte header. */
        LENGTH_TOO_SMALL,
        /** The type byte is not a known {@link RecordType} code. */
        UNKNOWN_TYPE,
        /** The padded frame extends past the bytes available. */
        TRUNCATED,
        /** The CRC32C does not match the frame. */
        BAD_CRC,
        /** A padding byte after the record's length is not zero. */
        NON_ZERO_PADDING,
        /** A flag bit that docs/RECORDS.md does not define is set. */
        UNKNOWN_FLAGS,
        /** A path-addressed type carries a non-zero handle. */
        UNEXPECTED_HANDLE,
        /** The length is too short for the type's fixed fields. */
        FIXED_FIELDS_TRUNCATED,
        /** A pad field inside the fixed fields is not zero. */
        NON_ZERO_RESERVED,
        /** A variable field's byte count runs past the record's length. */
        VARIABLE_FIELD_OVERRUN,
        /** The variable fields end before the record's length. */
        TRAILING_BYTES
    }

    private final Reason reason;
    private final int offset;

    public MalformedRecordException(Reason reason, int offset, String detail) {
        super("malformed record at offset " + offset + ": " + reason + " (" + detail + ")", null, false, false);
        this.reason = reason;
        this.offset = offset;
    }

    public Reason reason() {
        return reason;
    }

    /** Offset of the frame's first byte in the buffer given to {@link RecordDecoder#wrap}. */
    public int offset() {
        return offset;
    }
}
