package teefs.protocol;

import static teefs.protocol.RecordHeader.BYTE_ORDER;
import static teefs.protocol.RecordLayout.*;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.MalformedRecordException.Reason;

/**
 * Validates and reads one record frame (docs/RECORDS.md) in place: a flyweight over any {@link DirectBuffer}.
 *
 * <pre>
 *  offset                                                   offset + padded length &lt;= offset + available
 *  | header (16) | fixed fields | variable fields | zero padding |
 * </pre>
 *
 * <p>{@link #wrap} checks everything before any accessor can be used: header, length bounds, magic, type, that the
 * padded frame fits in the bytes available, the CRC32C, zero padding, flags, handle use, zero pad fields, and that
 * the variable fields fit and end exactly at the record's length. It never reads outside
 * {@code [offset, offset + available)}. After a successful wrap, the accessors read fields at fixed offsets; an
 * accessor for a field the current type does not have throws {@link IllegalStateException}. The
 * {@code *Offset()}/{@code *Length()} accessors of variable fields are absolute positions in {@link #buffer()} and do
 * not allocate; the {@code *Bytes()}/{@code *String()} conveniences allocate. CHECKPOINT entries are walked with
 * the reusable {@link #entries()} cursor.
 *
 * <p>Not thread-safe: one decoder per thread. A failed wrap leaves the decoder unwrapped.
 */
public final class RecordDecoder {
    /** CHECKPOINT flag bit 0: every handle bound before it is dead; the list restates every live handle. */
    public static final int CHECKPOINT_RESET = 1;
    private final Crc32cDigest crc = new Crc32cDigest();
    private final CheckpointEntries entries = new CheckpointEntries();

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int frameLength;
    private RecordType type;

    // absolute positions of the bytes (after the count prefix) of the variable fields, and their lengths
    private int firstOffset;
    private int firstLength;
    private int secondOffset;
    private int secondLength;
    private int valueOffset;
    private int valueLength;

    /**
     * Validates the frame at {@code offset}, reading nothing outside {@code [offset, offset + available)}.
     *
     * @return the padded frame length: where the next frame starts, relative to {@code offset}
     * @throws MalformedRecordException when the bytes are not one valid frame; the decoder is then unwrapped
     * @throws IllegalArgumentException when {@code [offset, offset + available)} is not inside the buffer
     */
    public int wrap(DirectBuffer buffer, int offset, int available) throws MalformedRecordException {
        if (offset < 0 || available < 0 || (long) offset + available > buffer.capacity()) {
            throw new IllegalArgumentException("range [" + offset + ", " + ((long) offset + available)
                    + ") outside a buffer of " + buffer.capacity() + " bytes");
        }
        this.type = null;
        if (available < RecordHeader.LENGTH) {
            throw new MalformedRecordException(Reason.INCOMPLETE_HEADER, offset,
                    available + " bytes available, a header needs " + RecordHeader.LENGTH);
        }
        int magic = RecordHeader.magic(buffer, offset);
        if (magic != RecordHeader.MAGIC) {
            throw new MalformedRecordException(Reason.BAD_MAGIC, offset,
                    "magic 0x" + Integer.toHexString(magic) + ", expected 0x7eef");
        }
        int length = RecordHeader.length(buffer, offset);
        if (length < 0 || length > RecordHeader.MAX_RECORD_LENGTH) { // u32: negative ints are huge
            throw new MalformedRecordException(Reason.LENGTH_TOO_LARGE, offset,
                    "length " + Integer.toUnsignedString(length) + " > " + RecordHeader.MAX_RECORD_LENGTH);
        }
        if (length < RecordHeader.LENGTH) {
            throw new MalformedRecordException(Reason.LENGTH_TOO_SMALL, offset,
                    "length " + length + " < " + RecordHeader.LENGTH);
        }
        int code = RecordHeader.typeCode(buffer, offset);
        RecordType type = RecordType.fromCode(code);
        if (type == null) {
            throw new MalformedRecordException(Reason.UNKNOWN_TYPE, offset, "type code " + code);
        }
        int frameLength = RecordHeader.align16(length);
        if (frameLength > available) {
            throw new MalformedRecordException(Reason.TRUNCATED, offset,
                    "frame of " + frameLength + " bytes, " + available + " available");
        }
        int expectedCrc = crc.frameCrc(buffer, offset, frameLength);
        int actualCrc = RecordHeader.crc(buffer, offset);
        if (expectedCrc != actualCrc) {
            throw new MalformedRecordException(Reason.BAD_CRC, offset, "CRC32C 0x" + Integer.toHexString(actualCrc)
                    + ", the frame's is 0x" + Integer.toHexString(expectedCrc));
        }
        for (int i = length; i < frameLength; i++) {
            if (buffer.getByte(offset + i) != 0) {
                throw new MalformedRecordException(Reason.NON_ZERO_PADDING, offset,
                        "padding byte at frame offset " + i + " is not zero");
            }
        }
        int flags = RecordHeader.flags(buffer, offset);
        if ((flags & ~RecordHeader.KNOWN_FLAGS) != 0) {
            throw new MalformedRecordException(Reason.UNKNOWN_FLAGS, offset, "flags 0x" + Integer.toHexString(flags));
        }
        int handle = RecordHeader.handle(buffer, offset);
        if (type.handleUse() == RecordType.HandleUse.ZERO && handle != 0) {
            throw new MalformedRecordException(Reason.UNEXPECTED_HANDLE, offset,
                    type + " carries handle " + Integer.toUnsignedString(handle) + ", expected 0");
        }
        if (length < type.variableOffset()) {
            throw new MalformedRecordException(Reason.FIXED_FIELDS_TRUNCATED, offset,
                    type + " needs " + type.variableOffset() + " bytes of header and fixed fields, length is "
                            + length);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.frameLength = frameLength;
        checkPadFields(type);
        parseVariableFields(type);
        this.type = type;
        return frameLength;
    }

    private void checkPadFields(RecordType type) throws MalformedRecordException {
        int pad = switch (type) {
            case CREATE, MKNOD, MKDIR -> NODE_PAD;
            case RENAME -> RENAME_PAD;
            case CHMOD -> CHMOD_PAD;
            case SETXATTR -> SETXATTR_PAD;
            case FALLOCATE -> FALLOC_PAD;
            case FSYNC -> FSYNC_PAD;
            default -> -1;
        };
        if (pad >= 0 && buffer.getInt(offset + pad, BYTE_ORDER) != 0) {
            throw new MalformedRecordException(Reason.NON_ZERO_RESERVED, offset,
                    type + " pad field at frame offset " + pad + " is not zero");
        }
    }

    private void parseVariableFields(RecordType type) throws MalformedRecordException {
        int end = offset + length;
        int at = offset + type.variableOffset();
        firstOffset = firstLength = secondOffset = secondLength = valueOffset = valueLength = 0;
        switch (type.variableFields()) {
            case NONE -> {
            }
            case DATA -> {
                valueOffset = at;
                valueLength = end - at;
                at = end;
            }
            case STR -> at = first(at, end, "path");
            case STR_STR -> at = second(first(at, end, "first string"), end);
            case STR_STR_BLOB -> {
                at = second(first(at, end, "path"), end);
                if (end - at < BLOB_PREFIX) {
                    throw overrun(at, "value count");
                }
                long count = buffer.getInt(at, BYTE_ORDER) & 0xFFFF_FFFFL;
                if (count > end - at - BLOB_PREFIX) {
                    throw overrun(at, "value of " + count + " bytes");
                }
                valueOffset = at + BLOB_PREFIX;
                valueLength = (int) count;
                at = valueOffset + valueLength;
            }
            case CHECKPOINT_ENTRIES -> at = skipCheckpointEntries(at, end);
            default -> throw new IllegalStateException("unhandled layout " + type.variableFields());
        }
        if (at != end) {
            throw new MalformedRecordException(Reason.TRAILING_BYTES, offset,
                    type + " fields end at frame offset " + (at - offset) + ", length is " + length);
        }
    }

    private int first(int at, int end, String what) throws MalformedRecordException {
        int len = str(at, end, what);
        firstOffset = at + STR_PREFIX;
        firstLength = len;
        return firstOffset + len;
    }

    private int second(int at, int end) throws MalformedRecordException {
        int len = str(at, end, "second string");
        secondOffset = at + STR_PREFIX;
        secondLength = len;
        return secondOffset + len;
    }

    /** Length of the {@code str} at {@code at}, checked to end by {@code end}. */
    private int str(int at, int end, String what) throws MalformedRecordException {
        if (end - at < STR_PREFIX) {
            throw overrun(at, what + " count");
        }
        int len = buffer.getShort(at, BYTE_ORDER) & 0xFFFF;
        if (len > end - at - STR_PREFIX) {
            throw overrun(at, what + " of " + len + " bytes");
        }
        return len;
    }

    private int skipCheckpointEntries(int at, int end) throws MalformedRecordException {
        long count = buffer.getInt(offset + CHECKPOINT_COUNT, BYTE_ORDER) & 0xFFFF_FFFFL;
        // every entry takes at least 6 bytes: refuse an absurd count before walking it
        if (count * (CHECKPOINT_ENTRY_HANDLE + STR_PREFIX) > end - at) {
            throw overrun(at, count + " checkpoint entries");
        }
        for (long i = 0; i < count; i++) {
            if (end - at < CHECKPOINT_ENTRY_HANDLE) {
                throw overrun(at, "checkpoint entry " + i);
            }
            at += CHECKPOINT_ENTRY_HANDLE;
            at += STR_PREFIX + str(at, end, "checkpoint entry " + i + " path");
        }
        return at;
    }

    private MalformedRecordException overrun(int at, String what) {
        return new MalformedRecordException(Reason.VARIABLE_FIELD_OVERRUN, offset,
                what + " at frame offset " + (at - offset) + " runs past length " + length);
    }

    // ---------------------------------------------------------------- frame

    /** True after a successful {@link #wrap}. */
    public boolean isWrapped() {
        return type != null;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** Where the frame starts in {@link #buffer()}. */
    public int frameOffset() {
        return offset;
    }

    /** Unpadded record length: header and payload. */
    public int recordLength() {
        return length;
    }

    /** Padded frame length, a multiple of 16. */
    public int frameLength() {
        return frameLength;
    }

    public RecordType type() {
        requireWrapped();
        return type;
    }

    public int flags() {
        requireWrapped();
        return RecordHeader.flags(buffer, offset);
    }

    public boolean recovered() {
        return (flags() & RecordHeader.FLAG_RECOVERED) != 0;
    }

    /** The open-file handle (0 when none); an unsigned u32 carried in an int. */
    public int handle() {
        requireWrapped();
        return RecordHeader.handle(buffer, offset);
    }

    // ---------------------------------------------------------------- fixed fields

    /** File offset of a WRITE or FALLOCATE. */
    public long offset() {
        return getLong(switch (require("offset")) {
            case WRITE -> WRITE_OFFSET;
            case FALLOCATE -> FALLOC_OFFSET;
            default -> throw noField("offset");
        });
    }

    /** New size of a TRUNCATE. */
    public long size() {
        return getLong(fieldOf(RecordType.TRUNCATE, TRUNCATE_SIZE, "size"));
    }

    /** Mode (type and permission bits) of a CREATE, MKNOD, MKDIR or CHMOD. */
    public int mode() {
        return getInt(switch (require("mode")) {
            case CREATE, MKNOD, MKDIR -> NODE_MODE;
            case CHMOD -> CHMOD_MODE;
            default -> throw noField("mode");
        });
    }

    /** Owner of a CREATE, MKNOD, MKDIR, SYMLINK or CHOWN; -1 in a CHOWN means unchanged. */
    public int uid() {
        return getInt(switch (require("uid")) {
            case CREATE, MKNOD, MKDIR -> NODE_UID;
            case SYMLINK -> SYMLINK_UID;
            case CHOWN -> CHOWN_UID;
            default -> throw noField("uid");
        });
    }

    /** Group of a CREATE, MKNOD, MKDIR, SYMLINK or CHOWN; -1 in a CHOWN means unchanged. */
    public int gid() {
        return getInt(switch (require("gid")) {
            case CREATE, MKNOD, MKDIR -> NODE_GID;
            case SYMLINK -> SYMLINK_GID;
            case CHOWN -> CHOWN_GID;
            default -> throw noField("gid");
        });
    }

    public long rdev() {
        return getLong(fieldOf(RecordType.MKNOD, MKNOD_RDEV, "rdev"));
    }

    public long mtimeSec() {
        return getLong(mtimeField());
    }

    /** Nanoseconds of the mtime; -1 means not known, leave as is. */
    public long mtimeNsec() {
        return getLong(mtimeField() + TS_NSEC);
    }

    private int mtimeField() {
        return switch (require("mtime")) {
            case WRITE -> WRITE_MTIME;
            case TRUNCATE -> TRUNCATE_MTIME;
            case CREATE, MKDIR -> NODE_MTIME;
            case MKNOD -> MKNOD_MTIME;
            case SYMLINK -> SYMLINK_MTIME;
            case UTIMENS -> UTIMENS_MTIME;
            case FALLOCATE -> FALLOC_MTIME;
            default -> throw noField("mtime");
        };
    }

    /** Parent directory's mtime after a CREATE, MKNOD, MKDIR, RMDIR, UNLINK, SYMLINK or LINK. */
    public long parentMtimeSec() {
        return getLong(parentMtimeField());
    }

    public long parentMtimeNsec() {
        return getLong(parentMtimeField() + TS_NSEC);
    }

    private int parentMtimeField() {
        return switch (require("parentMtime")) {
            case CREATE, MKDIR -> NODE_PARENT_MTIME;
            case MKNOD -> MKNOD_PARENT_MTIME;
            case RMDIR, UNLINK, LINK -> REMOVE_PARENT_MTIME;
            case SYMLINK -> SYMLINK_PARENT_MTIME;
            default -> throw noField("parentMtime");
        };
    }

    public int renameFlags() {
        return getInt(fieldOf(RecordType.RENAME, RENAME_FLAGS, "renameFlags"));
    }

    public long fromParentMtimeSec() {
        return getLong(fieldOf(RecordType.RENAME, RENAME_FROM_PARENT_MTIME, "fromParentMtime"));
    }

    public long fromParentMtimeNsec() {
        return getLong(fieldOf(RecordType.RENAME, RENAME_FROM_PARENT_MTIME, "fromParentMtime") + TS_NSEC);
    }

    public long toParentMtimeSec() {
        return getLong(fieldOf(RecordType.RENAME, RENAME_TO_PARENT_MTIME, "toParentMtime"));
    }

    public long toParentMtimeNsec() {
        return getLong(fieldOf(RecordType.RENAME, RENAME_TO_PARENT_MTIME, "toParentMtime") + TS_NSEC);
    }

    public long atimeSec() {
        return getLong(fieldOf(RecordType.UTIMENS, UTIMENS_ATIME, "atime"));
    }

    public long atimeNsec() {
        return getLong(fieldOf(RecordType.UTIMENS, UTIMENS_ATIME, "atime") + TS_NSEC);
    }

    public int xattrFlags() {
        return getInt(fieldOf(RecordType.SETXATTR, SETXATTR_FLAGS, "xattrFlags"));
    }

    public int fallocMode() {
        return getInt(fieldOf(RecordType.FALLOCATE, FALLOC_MODE, "fallocMode"));
    }

    /** Byte count of a FALLOCATE (not the record's length: see {@link #recordLength()}). */
    public long length() {
        return getLong(fieldOf(RecordType.FALLOCATE, FALLOC_LENGTH, "length"));
    }

    /** FSYNC's datasync field: true for fdatasync. */
    public boolean datasync() {
        return getInt(fieldOf(RecordType.FSYNC, FSYNC_DATASYNC, "datasync")) != 0;
    }

    /**
     * Whether the frame at {@code offset} is a CHECKPOINT with RESET, where a reader may begin (the restatement's
     * continuation records have no RESET). Judged from the type byte and the flags alone: the frame is not validated.
     */
    public static boolean beginsRestatement(DirectBuffer buffer, int offset, int length) {
        return length >= RecordLayout.CHECKPOINT_FLAGS + 4
                && RecordHeader.typeCode(buffer, offset) == RecordType.CHECKPOINT.code()
                && (buffer.getInt(offset + RecordLayout.CHECKPOINT_FLAGS, RecordHeader.BYTE_ORDER) & CHECKPOINT_RESET) != 0;
    }

    public int checkpointFlags() {
        return getInt(fieldOf(RecordType.CHECKPOINT, CHECKPOINT_FLAGS, "checkpointFlags"));
    }

    /** Number of CHECKPOINT entries (validated by {@link #wrap} to fit the record). */
    public int count() {
        return getInt(fieldOf(RecordType.CHECKPOINT, CHECKPOINT_COUNT, "count"));
    }

    public long sessionId() {
        return getLong(fieldOf(RecordType.CHECKPOINT, CHECKPOINT_SESSION, "sessionId"));
    }

    public long wallClockMillis() {
        return getLong(fieldOf(RecordType.MARKER, MARKER_WALL_CLOCK, "wallClockMillis"));
    }

    // ---------------------------------------------------------------- variable fields

    /**
     * Absolute position in {@link #buffer()} of the first string's bytes: the path, RENAME's from, LINK's existing
     * path, MARKER's label. Types without a string: {@link IllegalStateException}.
     */
    public int pathOffset() {
        requireFirst();
        return firstOffset;
    }

    public int pathLength() {
        requireFirst();
        return firstLength;
    }

    /** The first string's bytes, copied. */
    public byte[] pathBytes() {
        return bytes(pathOffset(), firstLength);
    }

    /** The first string decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String pathString() {
        return string(pathOffset(), firstLength);
    }

    /** Points {@code view} at the first string's bytes, without copying; returns it. */
    public UnsafeBuffer path(UnsafeBuffer view) {
        view.wrap(buffer, pathOffset(), firstLength);
        return view;
    }

    /**
     * Absolute position of the second string's bytes: RENAME's to, SYMLINK's target, LINK's new path,
     * SETXATTR/REMOVEXATTR's name.
     */
    public int secondOffset() {
        requireSecond();
        return secondOffset;
    }

    public int secondLength() {
        requireSecond();
        return secondLength;
    }

    public byte[] secondBytes() {
        return bytes(secondOffset(), secondLength);
    }

    public String secondString() {
        return string(secondOffset(), secondLength);
    }

    public UnsafeBuffer second(UnsafeBuffer view) {
        view.wrap(buffer, secondOffset(), secondLength);
        return view;
    }

    /** Absolute position of a SETXATTR value's bytes. */
    public int valueOffset() {
        requireType(RecordType.SETXATTR, "value");
        return valueOffset;
    }

    public int valueLength() {
        requireType(RecordType.SETXATTR, "value");
        return valueLength;
    }

    public byte[] valueBytes() {
        return bytes(valueOffset(), valueLength);
    }

    /** Absolute position of a WRITE's data. */
    public int dataOffset() {
        requireType(RecordType.WRITE, "data");
        return valueOffset;
    }

    public int dataLength() {
        requireType(RecordType.WRITE, "data");
        return valueLength;
    }

    public byte[] dataBytes() {
        return bytes(dataOffset(), valueLength);
    }

    /**
     * The CHECKPOINT entries, rewound to before the first one. The cursor is owned by this decoder and reused:
     * valid until the next {@link #wrap}.
     */
    public CheckpointEntries entries() {
        requireType(RecordType.CHECKPOINT, "entries");
        entries.rewind();
        return entries;
    }

    /** Allocation-free walk over a CHECKPOINT's (handle, path) entries: {@code while (e.next()) { e.handle() … }}. */
    public final class CheckpointEntries {
        private int remaining;
        private int next;
        private int handle;
        private int pathOffset;
        private int pathLength;

        private void rewind() {
            remaining = count();
            next = offset + RecordType.CHECKPOINT.variableOffset();
            pathOffset = -1;
        }

        /** Advances to the next entry; false when there is none. */
        public boolean next() {
            if (remaining == 0) {
                return false;
            }
            remaining--;
            handle = buffer.getInt(next, BYTE_ORDER);
            pathLength = buffer.getShort(next + CHECKPOINT_ENTRY_HANDLE, BYTE_ORDER) & 0xFFFF;
            pathOffset = next + CHECKPOINT_ENTRY_HANDLE + STR_PREFIX;
            next = pathOffset + pathLength;
            return true;
        }

        public int handle() {
            requireEntry();
            return handle;
        }

        public int pathOffset() {
            requireEntry();
            return pathOffset;
        }

        public int pathLength() {
            requireEntry();
            return pathLength;
        }

        public byte[] pathBytes() {
            requireEntry();
            return bytes(pathOffset, pathLength);
        }

        public String pathString() {
            requireEntry();
            return string(pathOffset, pathLength);
        }

        private void requireEntry() {
            if (pathOffset < 0) {
                throw new IllegalStateException("call next() before reading a checkpoint entry");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private byte[] bytes(int at, int len) {
        byte[] out = new byte[len];
        buffer.getBytes(at, out);
        return out;
    }

    private String string(int at, int len) {
        return new String(bytes(at, len), StandardCharsets.UTF_8);
    }

    private long getLong(int fieldOffset) {
        return buffer.getLong(offset + fieldOffset, BYTE_ORDER);
    }

    private int getInt(int fieldOffset) {
        return buffer.getInt(offset + fieldOffset, BYTE_ORDER);
    }

    private int fieldOf(RecordType expected, int fieldOffset, String field) {
        requireType(expected, field);
        return fieldOffset;
    }

    private RecordType require(String field) {
        requireWrapped();
        return type;
    }

    private void requireType(RecordType expected, String field) {
        requireWrapped();
        if (type != expected) {
            throw noField(field);
        }
    }

    private void requireFirst() {
        requireWrapped();
        switch (type.variableFields()) {
            case STR, STR_STR, STR_STR_BLOB -> {
            }
            default -> throw noField("path");
        }
    }

    private void requireSecond() {
        requireWrapped();
        switch (type.variableFields()) {
            case STR_STR, STR_STR_BLOB -> {
            }
            default -> throw noField("second string");
        }
    }

    private void requireWrapped() {
        if (type == null) {
            throw new IllegalStateException("decoder holds no valid record: wrap() one first");
        }
    }

    private IllegalStateException noField(String field) {
        return new IllegalStateException(type + " record at offset " + offset + " has no " + field);
    }
}
